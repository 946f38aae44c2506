export type {
  BuildRequest,
  BuildResult,
  BuildStep,
  EngineInfo,
  EngineKind,
  ImageDetails,
  ImageEngine,
  PushRequest,
  PushResult,
  RegistryCredentials,
} from './port.js';
export { engineKinds } from './port.js';
export { createDockerodeEngine } from './dockerode-engine.js';
export type { DockerodeEngineOptions } from './dockerode-engine.js';
export { defaultSocketPaths, parseEngineUrl, resolveEngineUrl } from './engine-url.js';
export type { EngineEndpoint, EngineLookup } from './engine-url.js';
export { contextFromFolder, contextFromGit, replaceFile } from './context.js';
export type { GitContext } from './context.js';
export { buildAndPush } from './build-and-push.js';
export type { BuildAndPushRequest, BuildAndPushResult } from './build-and-push.js';
export { OCI_LABELS, ociLabels } from './labels.js';
export type { ProvenanceLabels } from './labels.js';
export { BuildFailedError, engineErrorCodes } from './engine-errors.js';
export type { EngineErrorCode } from './engine-errors.js';
export { createSemaphore } from './semaphore.js';
export type { Semaphore } from './semaphore.js';
export { describeStep, parseStepLine } from './build-log.js';
