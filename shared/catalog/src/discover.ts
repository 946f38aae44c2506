import path from 'node:path';
import { BAKE_FILE_NAMES, type BakeSourceFile } from './bake-file.js';
import { parseBakeProject } from './bake.js';
import {
  COMPOSE_FILE_NAMES,
  COMPOSE_OVERRIDE_FILE_NAMES,
  parseComposeProject,
  parseDotEnv,
  type ParseResult,
} from './compose.js';
import { parseDirectives } from './directive.js';
import { warmHcl } from './hcl.js';
import { compareText, problem, sortProblems } from './problem.js';
import { claimSources, type Claim, type Problem } from './schema.js';
import { isDockerfileName, readText, slicer, walk } from './walk.js';
import { parseWorkflow } from './workflow.js';

export interface DiscoverOptions {
  /**
   * Text of a Dockerfile the caller has already read (absolute path in),
   * or undefined to have it read here: each file is read once.
   */
  dockerfileText?: (file: string) => string | undefined;
}

export interface Discovery {
  claims: Claim[];
  problems: Problem[];
  /** Every Dockerfile found on the way (absolute, sorted), so the tree is walked once. */
  dockerfiles: string[];
}

/**
 * Walks `root` (skipping .git and node_modules, not following symbolic
 * links) and reads every Compose project, Bake project, GitHub Actions
 * workflow and `# restack:` directive in it. Paths are absolute. Problems
 * are returned, never thrown.
 */
export async function discoverClaims(
  root: string,
  options: DiscoverOptions = {},
): Promise<Discovery> {
  const problems: Problem[] = [];
  const results: ParseResult[] = [];
  const dockerfiles: string[] = [];
  const bakeDirs: Array<{ dir: string; names: string[] }> = [];
  const folders = await walk(path.resolve(root), problems);
  const tick = slicer();
  for (const { dir, files } of folders) {
    const has = (name: string) => files.has(name);
    const bakeFiles = BAKE_FILE_NAMES.filter(has);
    if (bakeFiles.length) bakeDirs.push({ dir, names: bakeFiles });
  }
  // Starting the HCL parser takes a moment: let it start while the rest is read.
  if (bakeDirs.some((b) => b.names.some((n) => n.endsWith('.hcl')))) warmHcl();
  for (const { dir, files } of folders) {
    const has = (name: string) => files.has(name);
    const composeFiles = COMPOSE_FILE_NAMES.filter(has);
    if (composeFiles.length) {
      await tick();
      const overrides = COMPOSE_OVERRIDE_FILE_NAMES.filter(has);
      results.push(readCompose(dir, composeFiles, overrides, has('.env')));
    }
    const inWorkflows =
      path.basename(dir) === 'workflows' && path.basename(path.dirname(dir)) === '.github';
    for (const name of files) {
      const file = path.join(dir, name);
      if (inWorkflows && /\.ya?ml$/i.test(name)) {
        await tick();
        const text = readText(file, problems);
        if (text !== undefined)
          results.push(parseWorkflow(text, file, path.dirname(path.dirname(dir))));
      } else if (isDockerfileName(name)) {
        await tick();
        dockerfiles.push(file);
        const text = options.dockerfileText?.(file) ?? readText(file, problems);
        if (text !== undefined) results.push(parseDirectives(text, file));
      }
    }
  }
  for (const { dir, names } of bakeDirs) results.push(await readBake(dir, names));
  const claims = results.flatMap((r) => r.claims);
  problems.push(...results.flatMap((r) => r.problems));
  return {
    claims: sortClaims(claims),
    problems: sortProblems(problems),
    dockerfiles: dockerfiles.sort(compareText),
  };
}

/** Claims in a stable order: by source (compose, bake, workflow, directive), then file, then line. */
export function sortClaims(claims: Claim[]): Claim[] {
  const rank = (c: Claim) => claimSources.indexOf(c.source);
  return claims
    .map((c, i) => ({ c, i }))
    .sort(
      (a, b) =>
        rank(a.c) - rank(b.c) ||
        compareText(a.c.file, b.c.file) ||
        (a.c.line ?? 0) - (b.c.line ?? 0) ||
        a.i - b.i,
    )
    .map(({ c }) => c);
}

/** Compose reads the first file it finds by name, then the first override (compose-go `cli`). */
function readCompose(
  dir: string,
  names: string[],
  overrides: string[],
  hasEnv: boolean,
): ParseResult {
  const problems = names
    .slice(1)
    .map((name) =>
      problem(
        'catalog.ignored-file',
        path.join(dir, name),
        null,
        `Compose reads ${names[0]} in this folder and ignores ${name}`,
        'merge the two files or delete one',
      ),
    );
  const files: Array<{ file: string; text: string }> = [];
  for (const name of [names[0]!, ...overrides.slice(0, 1)]) {
    const file = path.join(dir, name);
    const text = readText(file, problems);
    if (text !== undefined) files.push({ file, text });
  }
  // A project without `build` claims nothing: skip parsing it (and its .env).
  if (!files.some((f) => /\bbuild\b/.test(f.text))) return { claims: [], problems };
  const env = hasEnv ? readText(path.join(dir, '.env'), problems) : undefined;
  const result = parseComposeProject(files, parseDotEnv(env ?? ''));
  return { claims: result.claims, problems: [...problems, ...result.problems] };
}

async function readBake(dir: string, names: string[]): Promise<ParseResult> {
  const problems: Problem[] = [];
  const files: BakeSourceFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const text = readText(file, problems);
    if (text !== undefined)
      files.push({ file, text, format: name.endsWith('.hcl') ? 'hcl' : 'json' });
  }
  const result = await parseBakeProject(files);
  return { claims: result.claims, problems: [...problems, ...result.problems] };
}
