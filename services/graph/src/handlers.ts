import { RestackError } from '@restack/core';
import { createEvent, type EventOf, type RestackEvent } from '@restack/events';
import { dependentsOf, graphJson, planChange, type GraphDelta } from '@restack/graph';
import { parseReference, type ImageReference } from '@restack/reference';
import { verifyPush } from '@restack/sources';
import { planCampaign, planImage } from './campaign.js';
import type { GraphState } from './state.js';

/** What the handlers need. */
export interface GraphPorts {
  state: GraphState;
  publish(event: RestackEvent): Promise<void>;
  /** Secret of the GitHub push webhook; pushes are refused without it. */
  webhookSecret?: string;
}

/** One `restack.graph.updated` for an update that changed something. */
export function graphUpdatedEvent(delta: GraphDelta): EventOf<'restack.graph.updated'> {
  return createEvent('restack.graph.updated', {
    ...(delta.repository && /^[\w.-]+\/[\w.-]+$/.test(delta.repository)
      ? { repository: delta.repository }
      : {}),
    changedFiles: delta.changedFiles.filter(
      (f) => !f.startsWith('/') && !f.split('/').includes('..'),
    ),
    nodes: delta.nodes,
    edges: delta.edges,
  });
}

/**
 * digest.changed: an internal image's new digest joins the digests it is known
 * by (digest-pinned dependents then match it), and the rebuild of everything
 * below the moved reference is planned.
 */
export async function handleDigestChanged(
  event: EventOf<'restack.digest.changed'>,
  ports: GraphPorts,
): Promise<RestackEvent[]> {
  const parsed = parseReference(event.data.ref);
  if (!parsed.ok) return [];
  const { state } = ports;
  const name = parsed.ref.name;
  const internal = state.index.graph().nodes.some((n) => n.images.some((i) => i.name === name));
  if (internal) await state.change(async (index) => index.addKnownDigest(name, event.data.digest));
  const planned = planCampaign(event, state.index.graph(), (id) => locate(state, id));
  return planned ? [planned] : [];
}

export async function handlePush(
  request: { body: string; signature?: string | undefined },
  ports: GraphPorts,
): Promise<{ updated: GraphDelta | null; events: RestackEvent[] }> {
  if (!ports.webhookSecret) {
    throw new RestackError(
      'graph.webhook-secret-missing',
      'push webhooks are not accepted: no secret is configured',
      {
        where: 'graph service',
        fix: 'give the graph service the webhook secret configured on GitHub',
      },
    );
  }
  const push = await verifyPush(ports.webhookSecret, request.body, request.signature);
  const delta = await ports.state.change((index) => index.push(push));
  return {
    updated: delta ?? null,
    events: delta?.changedFiles.length ? [graphUpdatedEvent(delta)] : [],
  };
}

export async function handleRefresh(
  ports: GraphPorts,
): Promise<{ updates: GraphDelta[]; events: RestackEvent[] }> {
  const updates = await ports.state.change((index) => index.refresh());
  return { updates, events: updates.map(graphUpdatedEvent) };
}

export function answerGraph(ports: GraphPorts) {
  return graphJson(ports.state.index.graph());
}

export function answerPlan(request: { changed: string[] }, ports: GraphPorts) {
  return planChange(ports.state.index.graph(), request.changed.map(parseOrThrow));
}

export function answerPlanImage(request: { image: string }, ports: GraphPorts) {
  const graph = ports.state.index.graph();
  return planImage(request.image, graph, (id) => locate(ports.state, id));
}

export function answerDependents(request: { ref: string }, ports: GraphPorts) {
  const ref = parseOrThrow(request.ref);
  return { ref: request.ref, ...dependentsOf(ports.state.index.graph(), ref) };
}

function parseOrThrow(text: string): ImageReference {
  const parsed = parseReference(text);
  if (!parsed.ok) {
    throw new RestackError('graph.invalid-reference', `"${text}": ${parsed.error}`, {
      where: 'request',
      fix: 'give a valid image reference such as debian:bookworm',
    });
  }
  return parsed.ref;
}

function locate(state: GraphState, id: string) {
  for (const s of state.index.sources) {
    const where = s.owns(id) ? s.locate(id) : undefined;
    if (where) return where;
  }
  return undefined;
}
