import path from 'node:path';
import {
  readBakeProject,
  type BakeFormat,
  type BakeSourceFile,
  type TargetBody,
} from './bake-file.js';
import {
  evaluateBody,
  merge,
  resolveInherits,
  variableLookup,
  type Evaluated,
} from './bake-eval.js';
import type { ParseResult } from './compose.js';
import { claimsFor, isRemoteContext, readImageName } from './image-name.js';
import { problem, sortProblems } from './problem.js';
import type { Claim, Problem } from './schema.js';

/** Claims of one Bake file. */
export async function parseBake(
  text: string,
  file: string,
  format: BakeFormat,
): Promise<ParseResult> {
  return parseBakeProject([{ text, file, format }]);
}

/**
 * Claims of the Bake files of one folder, merged in Bake's order: targets
 * with `tags`, after `inherits` (in order, later parents winning, the target
 * itself last) and variable defaults. The environment is not read, so the
 * result is the same on every machine. Paths are relative to the folder.
 * @see https://docs.docker.com/build/bake/reference/
 */
export async function parseBakeProject(files: ReadonlyArray<BakeSourceFile>): Promise<ParseResult> {
  const problems: Problem[] = [];
  const project = await readBakeProject(files, problems);
  const first = files[0];
  if (!first) return { claims: [], problems };
  const dir = path.dirname(first.file);
  const lookup = variableLookup(project, problems);
  const evaluated = new Map<string, Evaluated>();
  const matrix = new Set<string>();
  for (const [name, bodies] of project.targets) {
    // A matrix target's expressions use matrix values: it is reported once, not evaluated.
    if (bodies.some((b) => b.body.matrix !== undefined)) matrix.add(name);
    const evaluate = (b: TargetBody) =>
      evaluateBody(name, matrix.has(name) ? { ...b, body: {} } : b, lookup, problems);
    evaluated.set(name, bodies.map(evaluate).reduce(merge));
  }
  const resolved = resolveInherits(project, evaluated, problems);
  // A target others inherit from holds shared settings (`_common`,
  // `docker-metadata-action`): it claims nothing unless a group builds it.
  const parents = new Set([...evaluated.values()].flatMap((t) => t.inherits));
  const claims: Claim[] = [];
  for (const [name, bodies] of project.targets) {
    const at = bodies[0]!;
    if (parents.has(name) && !project.grouped.has(name)) continue;
    if (matrix.has(name)) {
      problems.push(
        problem(
          'catalog.unsupported',
          at.file,
          at.line,
          `target ${name} uses a matrix, which restack does not expand`,
          'list the images it builds in restack.yaml, or add # restack: image=... to the Dockerfile',
        ),
      );
      continue;
    }
    const t = resolved.get(name);
    if (!t || t.broken.size > 0 || t.inline || !t.tags?.length) continue;
    const context = t.context ?? '.';
    if (isRemoteContext(context)) {
      problems.push(
        problem(
          'catalog.remote-context',
          at.file,
          at.line,
          `target ${name} builds from the remote context ${context}`,
          'build from a folder of this repository, or list the image in restack.yaml',
        ),
      );
      continue;
    }
    const images = t.tags.flatMap((tag) => {
      const image = readImageName(tag);
      if (image.ok) return [image];
      problems.push(
        problem(
          'catalog.reference',
          at.file,
          at.line,
          `target ${name}: ${image.error}`,
          'give each tag a valid name such as registry.example.com/team/app:1',
        ),
      );
      return [];
    });
    const facts = {
      dockerfile: dockerfilePath(dir, context, t.dockerfile ?? 'Dockerfile'),
      buildArgs: Object.fromEntries(t.args),
      target: t.target ?? null,
      source: 'bake' as const,
      file: at.file,
      line: at.line,
    };
    claims.push(...claimsFor(facts, images));
  }
  return { claims, problems: sortProblems(problems) };
}

/** Bake joins the Dockerfile to the context unless it is absolute or `cwd://` (relative to the folder). */
function dockerfilePath(dir: string, context: string, dockerfile: string): string {
  if (dockerfile.startsWith('cwd://')) return path.resolve(dir, dockerfile.slice(6));
  return path.resolve(dir, context.replace(/^cwd:\/\//, ''), dockerfile);
}
