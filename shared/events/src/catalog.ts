import { z } from 'zod';
import {
  buildCompletedEvent,
  buildFailedEvent,
  buildRequestedEvent,
  dispatchRequestedEvent,
  imageRebuiltEvent,
} from './build.js';
import { campaignPlannedEvent } from './campaign.js';
import { digestChangedEvent, tagMissingEvent } from './digest.js';
import { graphUpdatedEvent } from './graph.js';
import { imageDeprecatedEvent, imageStaleEvent, scanCompletedEvent } from './lifecycle.js';
import { imageVulnerableEvent } from './vulnerable.js';
import { prFailedEvent, prOpenedEvent, prRequestedEvent, prUpdatedEvent } from './pr.js';
import { imagePromotedEvent, promotionRefusedEvent } from './promotion.js';

/** Every event restack sends, one schema per type. The type is also the NATS subject. */
export const eventSchemas = [
  digestChangedEvent,
  tagMissingEvent,
  graphUpdatedEvent,
  campaignPlannedEvent,
  prRequestedEvent,
  prOpenedEvent,
  prUpdatedEvent,
  prFailedEvent,
  buildRequestedEvent,
  buildCompletedEvent,
  buildFailedEvent,
  dispatchRequestedEvent,
  imageRebuiltEvent,
  scanCompletedEvent,
  imageStaleEvent,
  imageDeprecatedEvent,
  imageVulnerableEvent,
  imagePromotedEvent,
  promotionRefusedEvent,
] as const;

export const eventSchema = z.discriminatedUnion('type', eventSchemas);

export type RestackEvent = z.infer<typeof eventSchema>;
export type EventType = RestackEvent['type'];
export type EventOf<T extends EventType> = Extract<RestackEvent, { type: T }>;
export type EventData<T extends EventType> = EventOf<T>['data'];

type AnyEventSchema = (typeof eventSchemas)[number];

const byType = new Map<string, AnyEventSchema>(eventSchemas.map((s) => [s.shape.type.value, s]));

export const EVENT_TYPES = eventSchemas.map((s) => s.shape.type.value) as readonly EventType[];

/** The version this build writes (and reads) for each type. */
export const EVENT_VERSIONS = Object.fromEntries(
  eventSchemas.map((s) => [s.shape.type.value, s.shape.version.value]),
) as { readonly [T in EventType]: EventOf<T>['version'] };

export function isEventType(value: string): value is EventType {
  return byType.has(value);
}

/** The schema for one type; undefined for a type this build does not know. */
export function schemaFor(type: string): AnyEventSchema | undefined {
  return byType.get(type);
}
