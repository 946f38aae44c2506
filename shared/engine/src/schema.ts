import { z } from 'zod';

/**
 * One message of the JSON stream that `POST /build`, `POST /images/{name}/push`
 * and `POST /images/create` answer with (moby's JSONMessage).
 * https://github.com/moby/moby/blob/v24.0.9/pkg/jsonmessage/jsonmessage.go#L145
 * https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Image/operation/ImageBuild
 */
export const jsonMessageSchema = z.looseObject({
  stream: z.string().optional(),
  status: z.string().optional(),
  id: z.string().optional(),
  progress: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z
    .looseObject({ code: z.number().optional(), message: z.string().optional() })
    .optional(),
  /** Build: `{ID}`; push: `{Tag, Digest, Size}`. */
  aux: z
    .looseObject({
      ID: z.string().optional(),
      Tag: z.string().optional(),
      Digest: z.string().optional(),
      Size: z.number().optional(),
    })
    .optional(),
});

export type JsonMessage = z.infer<typeof jsonMessageSchema>;

/**
 * The parts of `GET /images/{name}/json` restack reads.
 * https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Image/operation/ImageInspect
 */
export const imageInspectSchema = z.looseObject({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullish(),
  Created: z.string().nullish(),
  Os: z.string().nullish(),
  Architecture: z.string().nullish(),
  Config: z.looseObject({ Labels: z.record(z.string(), z.string()).nullish() }).nullish(),
  RootFS: z.looseObject({ Layers: z.array(z.string()).nullish() }).nullish(),
});

export type ImageInspect = z.infer<typeof imageInspectSchema>;

/**
 * `GET /version`; podman names itself in Components.
 * https://docs.docker.com/reference/api/engine/version/v1.41/#tag/System/operation/SystemVersion
 */
export const versionSchema = z.looseObject({
  Version: z.string(),
  ApiVersion: z.string(),
  Components: z.array(z.looseObject({ Name: z.string() })).nullish(),
});

/** The error body of a non-2xx Engine API answer. */
export const errorBodySchema = z.looseObject({ message: z.string() });
