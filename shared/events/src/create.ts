import { RestackError } from '@restack/core';
import {
  schemaFor,
  type EventData,
  type EventOf,
  type EventType,
  type RestackEvent,
} from './catalog.js';
import { childTraceparent, newTraceparent, randomEventId } from './ids.js';
import { describeIssues } from './issues.js';
import { parseEvent } from './parse.js';

// Events createEvent built and checked, so that publishing them does not check them again.
const built = new WeakSet<object>();

/** The event checked against its schema: as createEvent built it, or parsed now. */
export function checkedEvent(event: RestackEvent): RestackEvent {
  return built.has(event) ? event : parseEvent(event);
}

export interface CreateEventOptions {
  /** Pass a stable id (see stableEventId) when a retry must not produce a second event. */
  id?: string;
  campaignId?: string;
  traceparent?: string;
  /** The event this one answers: its trace continues and its campaignId carries over. */
  causedBy?: RestackEvent;
  /** Defaults to now. */
  occurredAt?: Date;
}

function dataCampaignId(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || !('campaignId' in data)) return undefined;
  const value = (data as { campaignId?: unknown }).campaignId;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Builds and validates an event. An invalid payload is a bug in the producer,
 * so this throws instead of letting the event reach the bus.
 */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  options: CreateEventOptions = {},
): EventOf<T> {
  const schema = schemaFor(type);
  if (!schema) {
    throw new RestackError('EVENT_UNKNOWN_TYPE', `unknown event type ${type}`, { where: 'type' });
  }
  const campaignId = options.campaignId ?? dataCampaignId(data) ?? options.causedBy?.campaignId;
  const traceparent =
    options.traceparent ??
    (options.causedBy ? childTraceparent(options.causedBy.traceparent) : newTraceparent());
  const candidate = {
    type,
    version: schema.shape.version.value,
    id: options.id ?? randomEventId(),
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    ...(campaignId === undefined ? {} : { campaignId }),
    traceparent,
    data,
  };
  const result = schema.safeParse(candidate);
  if (!result.success) {
    const { where, text } = describeIssues(result.error.issues);
    throw new RestackError('EVENT_INVALID', `cannot create ${type}: ${text}`, {
      where,
      fix: 'fix the producer so that it sends what the event schema in @restack/events requires',
    });
  }
  built.add(result.data);
  return result.data as EventOf<T>;
}
