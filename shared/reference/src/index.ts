export { parseReference, familiarName, validateDigest } from './parse.js';
export type { ImageReference, ParseResult } from './parse.js';
export {
  describeReference,
  effectiveTag,
  formatFamiliar,
  formatReference,
  referenceOfReport,
  reportFields,
  tagKey,
} from './report.js';
export type { ReferenceReport } from './report.js';
export { DEFAULT_DOMAIN, DEFAULT_TAG } from './grammar.js';
