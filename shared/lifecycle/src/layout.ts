import type { ImageReference } from '@restack/reference';

/**
 * The shapes this package reads from a loaded config and its graph. They
 * are structural so that @restack/config can import the policy schema from
 * here without a package cycle; `LoadedConfig` and `Graph` satisfy them.
 */

/** Where the config's sources are: `{ baseDir: loaded.baseDir, sources: loaded.config.sources }`. */
export interface SourceLayout {
  baseDir: string;
  /** Local sources are `{ path }`; git and GitHub sources prefix their Dockerfiles with their name. */
  sources: readonly object[];
  /** The repository a source knows a Dockerfile belongs to (`owner/name`), when it knows. */
  locate?: (dockerfile: string) => string | null;
}

export interface GraphDependencies {
  dependencies: ReadonlyMap<
    string,
    readonly { line: number; kind: 'from' | 'copy' | 'mount'; ref: ImageReference | null }[]
  >;
}

export interface GraphCatalog {
  nodes: readonly {
    dockerfile: string;
    images: readonly { name: string; tags: readonly string[] }[];
  }[];
}
