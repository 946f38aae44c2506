export { mulberry32, type Rng } from './prng.js';
export {
  serviceProcess,
  type ServiceProcess,
  type ServiceProcessOptions,
} from './service-process.js';
export { startChaos, type ChaosCounts, type ChaosOptions, type ChaosRun } from './chaos.js';
export { readStream, type StoredEvent } from './stream.js';
