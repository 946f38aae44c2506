import { z } from 'zod';
import { campaignIdSchema, isoTimeSchema } from './fields.js';

/**
 * W3C trace context `traceparent`, version 00.
 * https://www.w3.org/TR/trace-context/#traceparent-header
 */
export const traceparentSchema = z
  .string()
  .regex(
    /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/,
    'must be a W3C traceparent (00-<trace-id>-<span-id>-<flags>)',
  )
  .refine(
    (t) => !/^00-0{32}-/.test(t) && !/^00-[0-9a-f]{32}-0{16}-/.test(t),
    'trace id and span id must not be all zeros',
  );

/** Every event type is `restack.<noun>.<verb>`: three tokens, so the stream can capture `restack.*.*`. */
export const eventTypePattern = /^restack\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

const envelopeFields = {
  /** Also the JetStream `Nats-Msg-Id`, so a republish inside the duplicate window is dropped. */
  id: z.uuid(),
  occurredAt: isoTimeSchema,
  campaignId: campaignIdSchema.optional(),
  traceparent: traceparentSchema,
};

/** The envelope without a typed payload: what every event has in common. */
export const envelopeSchema = z.object({
  type: z.string().regex(eventTypePattern),
  version: z.number().int().positive(),
  ...envelopeFields,
  data: z.unknown(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

/** The schema of one event type at one version. */
export function defineEvent<T extends string, V extends number, D extends z.ZodType>(
  type: T,
  version: V,
  data: D,
) {
  return z.object({
    type: z.literal(type),
    version: z.literal(version),
    ...envelopeFields,
    data,
  });
}
