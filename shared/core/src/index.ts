export { RestackError, errorMessage, isRestackError } from './errors.js';
export type { ErrorDetails } from './errors.js';
export { REDACT_PATHS, createLogger, silentLogger } from './logger.js';
export type { Logger, LoggerSettings } from './logger.js';
