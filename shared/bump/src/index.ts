export { bumpDockerfile } from './rewrite.js';
export type { BumpOptions, BumpResult, Edit } from './rewrite.js';
export { bumpConfig } from './repository.js';
export type { FileBump } from './repository.js';
