import type { BuildTime } from './age.js';
import type { DockerfileFacts } from './dockerfile-facts.js';
import type { BaseDrift } from './drift.js';
import type { ImageFacts } from './facts.js';
import type { ScanSummary } from './schema.js';

/** A Dockerfile checked statically: its bases, USER and EXPOSE. */
export interface DockerfileSubject {
  kind: 'dockerfile';
  /** Path relative to the config folder (or as given), `/` separated. */
  file: string;
  repository: string | null;
  /** Images the catalog says it produces (`name:tag`), for policy matching. */
  images: string[];
  facts: DockerfileFacts;
}

/** A built image checked through its registry config. */
export interface ImageSubject {
  kind: 'image';
  /** The reference as given, normalised. */
  reference: string;
  repository: string | null;
  /** Null when the registry could not answer; `failure` says why. */
  facts: ImageFacts | null;
  failure: string | null;
  build: BuildTime | null;
  drift: BaseDrift | null;
  /** The latest scan of this digest, when one exists. */
  scan: ScanSummary | null;
  /** The Dockerfile that builds it, when the catalog knows, for report locations. */
  dockerfile: { file: string; line: number } | null;
}

export type Subject = DockerfileSubject | ImageSubject;

export function subjectName(subject: Subject): string {
  return subject.kind === 'dockerfile' ? subject.file : subject.reference;
}
