import path from 'node:path';
import {
  BAKE_FILE_NAMES,
  COMPOSE_FILE_NAMES,
  COMPOSE_OVERRIDE_FILE_NAMES,
  isDockerfileName,
  parseBakeProject,
  parseComposeProject,
  parseDirectives,
  parseDotEnv,
  parseWorkflow,
  type BakeSourceFile,
  type ParseResult,
  type Problem,
} from '@restack/catalog';

/**
 * A unit is the smallest set of files whose claims are parsed together: one
 * Dockerfile (its `# restack:` directives), one folder's Compose project
 * (file, override, .env), one folder's Bake files, or one workflow. When a
 * file changes only its unit is parsed again.
 */
export function unitOf(id: string): string | undefined {
  const slash = id.lastIndexOf('/');
  const dir = slash < 0 ? '' : id.slice(0, slash);
  const name = id.slice(slash + 1);
  if (isDockerfileName(name)) return `d:${id}`;
  if (
    (COMPOSE_FILE_NAMES as readonly string[]).includes(name) ||
    (COMPOSE_OVERRIDE_FILE_NAMES as readonly string[]).includes(name) ||
    name === '.env'
  )
    return `c:${dir}`;
  if ((BAKE_FILE_NAMES as readonly string[]).includes(name)) return `b:${dir}`;
  if (/(^|\/)\.github\/workflows$/.test(dir) && /\.ya?ml$/i.test(name)) return `w:${id}`;
  return undefined;
}

const EMPTY: ParseResult = { claims: [], problems: [] };

/**
 * Parses one unit from the texts in the index. Paths handed to the parsers
 * are `baseDir/id` (virtual for remote sources), so claims name Dockerfiles
 * the same way whatever the source.
 */
export async function parseUnit(
  unit: string,
  texts: ReadonlyMap<string, string>,
  baseDir: string,
): Promise<ParseResult> {
  const kind = unit.slice(0, 2);
  const key = unit.slice(2);
  const abs = (id: string) => path.join(baseDir, id);
  const at = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);
  if (kind === 'd:' || kind === 'w:') {
    const text = texts.get(key);
    if (text === undefined) return EMPTY;
    if (kind === 'd:') return parseDirectives(text, abs(key));
    // The repository is the folder holding `.github`.
    return parseWorkflow(text, abs(key), path.dirname(path.dirname(path.dirname(abs(key)))));
  }
  if (kind === 'c:') return parseCompose(key, texts, abs, at);
  const files: BakeSourceFile[] = [];
  for (const name of BAKE_FILE_NAMES) {
    const text = texts.get(at(key, name));
    if (text !== undefined)
      files.push({
        file: abs(at(key, name)),
        text,
        format: name.endsWith('.hcl') ? 'hcl' : 'json',
      });
  }
  return files.length ? parseBakeProject(files) : EMPTY;
}

/** As Compose does: the first base file of a folder and its first override (see @restack/catalog discover). */
function parseCompose(
  dir: string,
  texts: ReadonlyMap<string, string>,
  abs: (id: string) => string,
  at: (dir: string, name: string) => string,
): ParseResult {
  const names = COMPOSE_FILE_NAMES.filter((n) => texts.has(at(dir, n)));
  if (!names.length) return EMPTY;
  const overrides = COMPOSE_OVERRIDE_FILE_NAMES.filter((n) => texts.has(at(dir, n)));
  const problems: Problem[] = names.slice(1).map((name) => ({
    code: 'catalog.ignored-file',
    file: abs(at(dir, name)),
    line: null,
    message: `Compose reads ${names[0]} in this folder and ignores ${name}`,
    fix: 'merge the two files or delete one',
  }));
  const files = [names[0]!, ...overrides.slice(0, 1)].map((name) => ({
    file: abs(at(dir, name)),
    text: texts.get(at(dir, name))!,
  }));
  // A project without `build` claims nothing.
  if (!files.some((f) => /\bbuild\b/.test(f.text))) return { claims: [], problems };
  const result = parseComposeProject(files, parseDotEnv(texts.get(at(dir, '.env')) ?? ''));
  return { claims: result.claims, problems: [...problems, ...result.problems] };
}
