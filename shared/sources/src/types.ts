export const sourceKinds = ['path', 'git', 'github'] as const;
export type SourceKind = (typeof sourceKinds)[number];

/** A file the graph reads, named by its graph id (`<source name>/<path>` for remote sources). */
export interface SourceProblem {
  file: string;
  message: string;
}

export interface SourceListing {
  /** Graph ids of every Dockerfile and catalog file, sorted. */
  ids: string[];
  problems: SourceProblem[];
}

/** Where a graph id lives: the repository (`owner/name`) and the path inside it. */
export interface Location {
  repository: string;
  path: string;
}

/** What changed in a source since it was last listed or updated. */
export interface SourceChange {
  /** `owner/name` when one repository changed. */
  repository?: string;
  /** Graph ids whose content changed, appeared or disappeared. */
  ids: string[];
  /** Every id under this prefix may have changed (re-listed): ids known before and not listed now are gone. */
  prefix?: string;
}

/** A push as the graph needs it (from a webhook, already verified). */
export interface PushChange {
  repository: string;
  /** `refs/heads/<branch>` */
  ref: string;
  after: string;
  /** Repository paths added, modified or removed; null when the payload cannot say (too many commits, forced). */
  paths: string[] | null;
}

/** Revisions a source had read, so a restart resumes from them. */
export type SourceState = Record<string, string>;

/**
 * One configured source. Ids are relative to the config folder for `path`
 * sources (as before) and `<name>/...` for remote ones, never a host name.
 */
export interface Source {
  readonly kind: SourceKind;
  readonly name: string;
  list(): Promise<SourceListing>;
  /** The text of a file; undefined when it does not exist (any more). */
  read(id: string): Promise<string | undefined>;
  owns(id: string): boolean;
  locate(id: string): Location | undefined;
  /** Fetches (git) or re-lists (github) and says which ids changed; path sources return null (re-list). */
  update(): Promise<SourceChange | null>;
  /** Applies a push to this source; undefined when the push is not about it. */
  applyPush(push: PushChange): Promise<SourceChange | undefined>;
  state(): SourceState;
  restore(state: SourceState): void;
}
