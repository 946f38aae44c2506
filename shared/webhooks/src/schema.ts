import { z } from 'zod';

/*
 * Payloads as their senders document them. Only the fields restack reads
 * are declared; everything else is ignored so that new fields never break us.
 */

/**
 * Distribution (docker-registry) notification envelope.
 * https://distribution.github.io/distribution/about/notifications/
 */
export const distributionEnvelopeSchema = z.object({
  events: z.array(
    z.object({
      action: z.string(),
      target: z.object({
        mediaType: z.string().optional(),
        digest: z.string().optional(),
        repository: z.string().min(1),
        tag: z.string().optional(),
      }),
      request: z.object({ host: z.string().optional() }).optional(),
    }),
  ),
});

/**
 * Docker Hub repository webhook: a push, with no digest and no signature.
 * https://docs.docker.com/docker-hub/repos/manage/webhooks/
 */
export const dockerHubPayloadSchema = z.object({
  push_data: z.object({ tag: z.string().min(1) }),
  repository: z.object({ repo_name: z.string().min(1) }),
});

const harborData = z.object({
  resources: z.array(
    z.object({
      digest: z.string().optional(),
      tag: z.string().optional(),
      resource_url: z.string().min(1),
    }),
  ),
});

/**
 * Harbor webhook, default format (`type: PUSH_ARTIFACT`, `event_data`).
 * https://goharbor.io/docs/main/working-with-projects/project-configuration/configure-webhooks/
 */
export const harborDefaultSchema = z.object({ type: z.string(), event_data: harborData });

/**
 * Harbor webhook, CloudEvents format (`specversion`, `type: harbor.artifact.pushed`, `data`).
 * https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
 */
export const harborCloudEventSchema = z.object({
  specversion: z.string(),
  type: z.string(),
  data: harborData.optional(),
});

/**
 * GitHub `package` and `registry_package` events (GHCR).
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#package
 */
const githubPackage = z.object({
  package_type: z.string().optional(),
  ecosystem: z.string().optional(),
  package_version: z
    .object({
      package_url: z.string().optional(),
      container_metadata: z
        .object({
          tag: z.object({ name: z.string().optional(), digest: z.string().optional() }).optional(),
        })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});

export const githubPackageEventSchema = z.object({
  action: z.string(),
  package: githubPackage.optional(),
  registry_package: githubPackage.optional(),
});

/** restack's own signed form: `{"ref": "ghcr.io/o/app:1", "digest": "sha256:..."}`. */
export const genericPayloadSchema = z.strictObject({
  ref: z.string().min(1).max(512),
  digest: z.string().min(1).optional(),
});
