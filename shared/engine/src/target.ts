import { RestackError } from '@restack/core';
import { DEFAULT_TAG, parseReference } from '@restack/reference';

export interface TagTarget {
  /** `127.0.0.1:5000/team/app`, `docker.io/library/app`. */
  repository: string;
  tag: string;
  /** The registry host, as X-Registry-Auth's serveraddress names it. */
  serverAddress: string;
}

// Docker's CLI names Docker Hub this way in AuthConfig.serveraddress.
const DOCKER_HUB_AUTH_ADDRESS = 'https://index.docker.io/v1/';

/** Splits `registry/repo:tag` for the Engine API's tag and push calls. */
export function tagTarget(reference: string, where: string): TagTarget {
  const parsed = parseReference(reference);
  if (!parsed.ok) {
    throw new RestackError(
      'ENGINE_BUILD_INVALID',
      `"${reference}" is not an image reference: ${parsed.error}`,
      {
        where,
        fix: 'name images as registry.example/team/app:tag',
      },
    );
  }
  const { ref } = parsed;
  if (ref.digest !== null && ref.tag === null) {
    throw new RestackError(
      'ENGINE_BUILD_INVALID',
      `"${reference}" names a digest; an image is tagged and pushed by tag`,
      {
        where,
        fix: 'give a tag, e.g. registry.example/team/app:1.2',
      },
    );
  }
  return {
    repository: ref.name,
    tag: ref.tag ?? DEFAULT_TAG,
    serverAddress: ref.domain === 'docker.io' ? DOCKER_HUB_AUTH_ADDRESS : ref.domain,
  };
}
