import type { RuntimeOptions } from '@temporalio/worker';

/*
 * The worker's metrics are the Temporal SDK's own (workflow and activity completions, failures,
 * task latencies, slot usage, poller counts), served by the SDK's Rust core in Prometheus text on
 * http://<address>/metrics. The names keep the SDK's defaults (`temporal_` prefix, no `_total`
 * suffix, durations in milliseconds) so they match Temporal's documentation and dashboards.
 */

/** The Runtime options that turn the SDK's Prometheus exporter on at `address`, or nothing. */
export function workerMetricsOptions(address: string | undefined): Pick<RuntimeOptions, 'telemetryOptions'> {
  if (address === undefined) return {};
  return { telemetryOptions: { metrics: { prometheus: { bindAddress: address } } } };
}
