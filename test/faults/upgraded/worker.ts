// The worker process of the next build (the upgrade drill): the product's worker, with the
// changed workflow code of ./workflows.ts.
import { runWorkerProcess } from '../../../src/worker';

runWorkerProcess({ workflowsPath: require.resolve('./workflows') }).catch((error: unknown) => {
  process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
