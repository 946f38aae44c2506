import type { ImageReference } from '@restack/reference';

export const referenceKinds = ['from', 'copy', 'mount'] as const;
export type ReferenceKind = (typeof referenceKinds)[number];

/** One image a Dockerfile depends on, as extraction found it. */
export interface Dependency {
  line: number;
  kind: ReferenceKind;
  /** The normalised reference, or null when it could not be resolved or is invalid. */
  ref: ImageReference | null;
}

/** What the graph needs to know about one Dockerfile. */
export interface DockerfileDeps {
  /** Path relative to the config folder, with `/` separators. */
  dockerfile: string;
  dependencies: Dependency[];
  errors: GraphError[];
}

export const mappingSources = ['config', 'compose', 'bake', 'workflow', 'directive'] as const;
export type MappingSource = (typeof mappingSources)[number];

/** An image a Dockerfile produces. */
export interface ProducedImage {
  name: string;
  tags: string[];
  source: MappingSource;
  /** The file the mapping came from, relative to the config folder. */
  file: string;
  /** Digests this image is known by (from the registry), for digest-pinned dependents. */
  digests?: string[];
}

export interface GraphNode {
  dockerfile: string;
  images: ProducedImage[];
}

export interface GraphEdge {
  from: string;
  to: string;
  ref: string;
  kind: ReferenceKind;
}

export interface ExternalRef {
  ref: string;
  dependents: string[];
}

export interface GraphError {
  file?: string;
  line?: number | null;
  message: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  external: ExternalRef[];
  errors: GraphError[];
  /** Dependencies per Dockerfile, kept for planning. */
  dependencies: ReadonlyMap<string, Dependency[]>;
  /** Dockerfiles caught in a dependency cycle. */
  cyclic: ReadonlySet<string>;
}
