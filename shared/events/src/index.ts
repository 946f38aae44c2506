export { checkedEvent, createEvent } from './create.js';
export type { CreateEventOptions } from './create.js';
export { parseEvent } from './parse.js';
export { childTraceparent, newTraceparent, randomEventId, stableEventId } from './ids.js';
export {
  EVENT_TYPES,
  EVENT_VERSIONS,
  eventSchema,
  eventSchemas,
  isEventType,
  schemaFor,
} from './catalog.js';
export type { EventData, EventOf, EventType, RestackEvent } from './catalog.js';
export { envelopeSchema, eventTypePattern, traceparentSchema } from './envelope.js';
export type { DatedFix } from './fields.js';
export type { Envelope } from './envelope.js';
export {
  DEAD_LETTER_SUBJECTS,
  EVENT_SUBJECTS,
  deadLetterReasonSchema,
  deadLetterSchema,
  deadLetterSubject,
} from './dead-letter.js';
export type { DeadLetter, DeadLetterReason } from './dead-letter.js';
export {
  campaignIdSchema,
  datedFixSchema,
  detectedBySchema,
  digestSchema,
  failureSchema,
  imageRefSchema,
  isoTimeSchema,
  platformSchema,
  repoPathSchema,
  repositorySchema,
  severityCountsSchema,
  severitySchema,
  targetIdSchema,
} from './fields.js';
export { digestChangedData, tagMissingData } from './digest.js';
export { graphUpdatedData } from './graph.js';
export { campaignPlannedData, strategySchema, targetSchema, triggerSchema } from './campaign.js';
export { prFailedData, prOpenedData, prRequestedData, prUpdatedData } from './pr.js';
export {
  buildCompletedData,
  buildFailedData,
  buildRequestedData,
  dispatchRequestedData,
  imageRebuiltData,
} from './build.js';
export { imageDeprecatedData, imageStaleData, scanCompletedData } from './lifecycle.js';
export { imageVulnerableData, vulnerableFindingSchema } from './vulnerable.js';
export {
  imagePromotedData,
  promotionPendingSchema,
  promotionRefusedData,
  promotionVerdictSchema,
} from './promotion.js';
export { formatPath } from './issues.js';
