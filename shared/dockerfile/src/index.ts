export { extractDockerfile } from './extract.js';
export { extractDockerfileFile } from './file.js';
export type { ExtractFileOptions } from './file.js';
export { toExtractJson } from './json.js';
export type { ExtractJsonOptions } from './json.js';
export { extractJsonSchema } from './schema.js';
export type { ExtractJson } from './schema.js';
export { AUTOMATIC_ARGS } from './scope.js';
export { BASE_KINDS, REFERENCE_KINDS } from './types.js';
export type {
  ArgDefault,
  BaseKind,
  DockerfileExtract,
  DockerfileReference,
  DockerfileStage,
  ExtractOptions,
  Problem,
  ReferenceKind,
  SourceRange,
} from './types.js';
