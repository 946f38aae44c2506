import {
  BAKE_FILE_NAMES,
  COMPOSE_FILE_NAMES,
  COMPOSE_OVERRIDE_FILE_NAMES,
  isDockerfileName,
} from '@restack/catalog';

const CATALOG_NAMES = new Set<string>([
  ...COMPOSE_FILE_NAMES,
  ...COMPOSE_OVERRIDE_FILE_NAMES,
  ...BAKE_FILE_NAMES,
  // Compose reads variables from the .env beside its file.
  '.env',
]);

/**
 * Is this repository path one the graph reads? Dockerfiles, Compose and Bake
 * files (and Compose's `.env`), and GitHub Actions workflows: exactly what
 * @restack/catalog's discovery reads, so a push touching anything else is ignored.
 */
export function isIndexedPath(repoPath: string): boolean {
  const parts = repoPath.split('/');
  const name = parts[parts.length - 1] ?? '';
  if (isDockerfileName(name) || CATALOG_NAMES.has(name)) return true;
  return (
    parts.length >= 3 &&
    parts[parts.length - 2] === 'workflows' &&
    parts[parts.length - 3] === '.github' &&
    /\.ya?ml$/i.test(name)
  );
}
