import { z } from 'zod';
import { isoTimeSchema } from './fields.js';

/** Subjects of every event: `restack.<noun>.<verb>` (exactly three tokens). */
export const EVENT_SUBJECTS = 'restack.*.*';

/**
 * Dead letters live at `restack.deadletter.<original type>`, five tokens, so
 * they never overlap with EVENT_SUBJECTS (JetStream refuses overlapping
 * streams).
 */
export const DEAD_LETTER_SUBJECTS = 'restack.deadletter.restack.>';

export function deadLetterSubject(originalSubject: string): string {
  return `restack.deadletter.${originalSubject}`;
}

/**
 * Why a message was given up on:
 * - invalid: it failed JSON or schema validation, so it was never handled;
 * - failed: the handler threw on the last allowed attempt;
 * - exhausted: it was delivered more times than allowed without any handler
 *   finishing (the process crashed or the ack timed out each time).
 */
export const deadLetterReasonSchema = z.enum(['invalid', 'failed', 'exhausted']);

/** What the bus stores on a dead-letter subject, and what the dashboard shows. */
export const deadLetterSchema = z.object({
  reason: deadLetterReasonSchema,
  error: z.string(),
  /** Field path of a validation error, `data.digest` for instance. */
  where: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  maxAttempts: z.number().int().positive(),
  originalSubject: z.string(),
  stream: z.string(),
  streamSequence: z.number().int().nonnegative(),
  consumer: z.string(),
  eventId: z.string().optional(),
  eventType: z.string().optional(),
  campaignId: z.string().optional(),
  /** The original message, as UTF-8 text when it was text, else base64. */
  payload: z.string(),
  payloadEncoding: z.enum(['utf8', 'base64']),
  payloadTruncated: z.boolean(),
  deadAt: isoTimeSchema,
});

export type DeadLetter = z.infer<typeof deadLetterSchema>;
export type DeadLetterReason = z.infer<typeof deadLetterReasonSchema>;
