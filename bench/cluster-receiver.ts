/**
 * Several receiver processes behind one port, for the scaling section: a node:cluster primary
 * that forks BENCH_RECEIVER_PROCESSES copies of the production entry point (BENCH_RECEIVER_ENTRY,
 * dist/http/server.js by default, configured by the same environment), which all listen on PORT; the primary hands out
 * connections round-robin. Writes BENCH_READY_FILE once every copy listens. SIGTERM/SIGINT stop
 * the copies gracefully (each drains its in-flight requests), then the primary.
 */
import cluster, { type Worker } from 'node:cluster';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const count = Number(process.env.BENCH_RECEIVER_PROCESSES ?? '2');
const readyFile = process.env.BENCH_READY_FILE;

if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('cluster-receiver: BENCH_RECEIVER_PROCESSES must be a whole number ≥ 1\n');
  process.exit(78);
}

// The copies run plain node on the compiled receiver, without any flag this process was given.
cluster.setupPrimary({ exec: process.env.BENCH_RECEIVER_ENTRY ?? path.resolve(__dirname, '../dist/http/server.js'), execArgv: [] });

let stopping = false;
let listening = 0;
const workers: Worker[] = [];

cluster.on('listening', () => {
  listening += 1;
  if (listening === count && readyFile !== undefined) writeFileSync(readyFile, `${count}\n`);
});

cluster.on('exit', (worker, code, signal) => {
  if (stopping) return;
  process.stderr.write(`cluster-receiver: receiver ${worker.process.pid} exited (${code ?? signal}); stopping\n`);
  void stop(1);
});

async function stop(exitCode: number): Promise<void> {
  stopping = true;
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) {
            resolve();
            return;
          }
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    ),
  );
  process.exit(exitCode);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(0));
for (let i = 0; i < count; i += 1) workers.push(cluster.fork());
