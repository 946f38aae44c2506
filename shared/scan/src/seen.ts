import { z } from 'zod';

/**
 * Images the admission webhook has seen running, by reference: the webhook
 * writes (when it has NATS), the scanner's scheduled rescan reads. The
 * scanner service declares the bucket.
 */
export const ADMISSION_SEEN_BUCKET = 'restack-admission-seen';

export const seenImageSchema = z.object({
  /** As the pod spec names it, normalised: `docker.io/library/nginx:1.27`. */
  image: z.string().min(1),
  firstSeenAt: z.iso.datetime({ offset: true }),
  lastSeenAt: z.iso.datetime({ offset: true }),
});
export type SeenImage = z.infer<typeof seenImageSchema>;
