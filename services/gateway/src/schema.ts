import { digestSchema, imageRefSchema } from '@restack/events';
import { z } from 'zod';

/** Request shapes of the API; the full contract is ../openapi.yaml (OpenAPI 3.1). */

/** `POST /api/campaigns`: start a rebuild by hand, as if REF had moved to DIGEST. */
export const triggerRequestSchema = z
  .object({
    ref: imageRefSchema,
    /** Absent: the gateway asks the registry where the tag points now. */
    digest: digestSchema.optional(),
  })
  .strict();
export type TriggerRequest = z.infer<typeof triggerRequestSchema>;

/** `GET /api/plan?changed=REF[&changed=REF]`. */
export const planQuerySchema = z.object({
  changed: z.array(z.string().min(1)).min(1, 'give ?changed=REF, the image that moved'),
});

/** `GET /api/deadletters?limit=N`. */
export const deadLetterQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const campaignIdSchema = z.string().min(1).max(200);

/** The default of `gateway.port` in restack.yaml. */
export const DEFAULT_GATEWAY_PORT = 8080;
