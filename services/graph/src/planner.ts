import type { EventData } from '@restack/events';
import { withBus, type ServiceDefinition } from '@restack/service';
import { graphEndpoints } from './endpoints.js';

type PlannedImage = Pick<EventData<'restack.campaign.planned'>, 'waves' | 'targets'>;

/** The dispatcher's `ImagePlanner` shape: an image's rebuild plan, or undefined. */
export type GraphImagePlanner = (image: string) => Promise<PlannedImage | undefined>;

/**
 * Gives a service (the dispatcher) an image planner that asks the graph
 * service over NATS (`restack.rpc.graph.plan-image`), through the bus the
 * service itself is given at setup. Works with the graph in this process
 * (`restack up`) or in another (`restack service dispatcher`).
 *
 * ```ts
 * withGraphPlanner((planner) => dispatcherService({ config, planner }))
 * ```
 */
export function withGraphPlanner<P>(
  make: (planner: GraphImagePlanner) => ServiceDefinition<P>,
  options: { timeoutMs?: number } = {},
): ServiceDefinition<P> {
  return withBus((bus) =>
    make(async (image) => {
      const plan = await bus().request(graphEndpoints.planImage, { image }, options.timeoutMs);
      return plan ?? undefined;
    }),
  );
}
