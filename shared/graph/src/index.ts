export { buildGraph } from './build.js';
export { planChange, refMatches } from './plan.js';
export type { Plan } from './plan.js';
export { graphDot, graphJson, graphMermaid } from './format.js';
export { findDockerfiles, isDockerfileName, relativePosix } from './discover.js';
export { graphIndexFor, loadGraph } from './load.js';
export type { LoadGraphOptions } from './load.js';
export { createGraphIndex, emptyIndexData } from './file-index.js';
export type { GraphIndex, GraphIndexSettings, IndexData } from './file-index.js';
export { diffGraphs } from './delta.js';
export type { GraphDelta, GraphEdgeId } from './delta.js';
export { decodeSnapshot, encodeSnapshot } from './snapshot.js';
export type { DecodedSnapshot } from './snapshot.js';
export { dependentsOf } from './dependents.js';
export { unitOf } from './units.js';
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
export { graphJsonSchema, planSchema } from './schema.js';
