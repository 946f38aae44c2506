export { startAdmission } from './start.js';
export type { Admission, StartAdmissionOptions } from './start.js';
export { kvSeenRecorder } from './seen.js';
export type { SeenRecorder } from './seen.js';
