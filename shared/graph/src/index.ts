export { buildGraph } from './build.js';
export { planChange, refMatches } from './plan.js';
export type { Plan } from './plan.js';
export { graphDot, graphJson, graphMermaid } from './format.js';
export { findDockerfiles, isDockerfileName, relativePosix } from './discover.js';
export { loadGraph } from './load.js';
export type { LoadGraphOptions } from './load.js';
export { watchKey } from './keys.js';
export { referenceKinds, mappingSources } from './types.js';
export type {
  Dependency,
  DockerfileDeps,
  ExternalRef,
  Graph,
  GraphEdge,
  GraphError,
  GraphNode,
  MappingSource,
  ProducedImage,
  ReferenceKind,
} from './types.js';
