import type { Bus } from '@restack/bus';
import { RestackError } from '@restack/core';
import type { EventData } from '@restack/events';
import type { ServiceDefinition } from '@restack/service';
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
  let bus: Bus | undefined;
  const planner: GraphImagePlanner = async (image) => {
    if (!bus) {
      throw new RestackError('graph.planner-not-ready', 'the image planner has no bus yet', {
        where: `planning ${image}`,
        fix: 'ask only once the service is set up (the runtime does this)',
      });
    }
    const plan = await bus.request(graphEndpoints.planImage, { image }, options.timeoutMs);
    return plan ?? undefined;
  };
  const definition = make(planner);
  return {
    ...definition,
    setup(ctx) {
      bus = ctx.bus;
      return definition.setup ? definition.setup(ctx) : (undefined as P);
    },
  };
}
