export { startAdmission } from './start.js';
export type { Admission, StartAdmissionOptions } from './start.js';
