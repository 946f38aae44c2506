// The graph service and the dispatcher as the load pipeline runs them,
// in the bench's own thread or each in a thread of its own.
import { loadConfig } from '@restack/config';
import type { RuntimeOptions } from '@restack/service';
import { dispatcherService } from '@restack/svc-dispatcher';
import { graphService } from '@restack/svc-graph';

export type DownstreamRole = 'graph' | 'dispatcher';
export const DOWNSTREAM: readonly DownstreamRole[] = ['graph', 'dispatcher'];

const unlimited = 1_000_000;

export async function downstreamService(
  role: DownstreamRole,
  config: string,
): Promise<RuntimeOptions['services'][number]> {
  if (role === 'graph') return graphService({ config: await loadConfig(config) });
  return dispatcherService({
    config: {
      // Politeness limits would hold most targets back by design; the bench measures the pipeline.
      limits: {
        openPullRequests: unlimited,
        openPullRequestsPerRepository: unlimited,
        concurrentBuilds: unlimited,
        schedules: [],
      },
    },
    tickMs: 3_600_000,
  });
}
