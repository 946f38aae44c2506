import path from 'node:path';
import type { ParseResult } from './compose.js';
import { claimsFor, isRemoteContext, readImageName } from './image-name.js';
import { problem, sortProblems } from './problem.js';
import { buildPushInputsSchema, workflowStepSchema, type Claim, type Problem } from './schema.js';
import { isRecord, readYaml, type YamlSource } from './yaml-source.js';

const BUILD_PUSH_ACTION = /^docker\/build-push-action(@.*)?$/i;
const EXPRESSION = '${{';

/**
 * Claims of a GitHub Actions workflow: every step using
 * docker/build-push-action (any version), read from its literal inputs.
 * `repoRoot` is the folder holding `.github`: the workspace the action runs in.
 * An input holding a `${{ }}` expression is reported and that part skipped,
 * since its value is only known when the workflow runs.
 * @see https://github.com/docker/build-push-action#inputs
 */
export function parseWorkflow(text: string, file: string, repoRoot: string): ParseResult {
  const problems: Problem[] = [];
  // Most workflows do not build images: skip parsing them.
  if (!/docker\/build-push-action/i.test(text)) return { claims: [], problems };
  const read = readYaml(text, file);
  if ('problem' in read) return { claims: [], problems: [read.problem] };
  const { value } = read.source;
  const jobs = isRecord(value) ? value.jobs : undefined;
  if (!isRecord(jobs)) return { claims: [], problems };
  const claims: Claim[] = [];
  const lines = text.split('\n');
  for (const [jobId, job] of Object.entries(jobs)) {
    const steps = isRecord(job) ? job.steps : undefined;
    if (!Array.isArray(steps)) continue;
    steps.forEach((raw, index) => {
      const step = workflowStepSchema.safeParse(raw);
      if (!step.success || !step.data.uses || !BUILD_PUSH_ACTION.test(step.data.uses.trim()))
        return;
      const at = ['jobs', jobId, 'steps', index];
      const found = readStep(step.data.with ?? {}, {
        file,
        repoRoot,
        source: read.source,
        lines,
        at,
        problems,
      });
      claims.push(...found);
    });
  }
  return { claims, problems: sortProblems(problems) };
}

interface StepContext {
  file: string;
  repoRoot: string;
  source: YamlSource;
  /** The workflow's lines, to place a list item of a multi-line input. */
  lines: string[];
  at: Array<string | number>;
  problems: Problem[];
}

function readStep(withInputs: Record<string, unknown>, ctx: StepContext): Claim[] {
  const { file, repoRoot, source, at, problems } = ctx;
  const stepLine = source.lineOf(at);
  // The line of an input, or of the item of it that holds `part`.
  const lineOf = (input: string, part?: string): number | null => {
    const key = source.lineOf([...at, 'with', input]);
    if (key === null || part === undefined) return key;
    const found = ctx.lines.findIndex((l, i) => i >= key - 1 && l.includes(part));
    return found < 0 ? key : found + 1;
  };
  const inputs = buildPushInputsSchema.safeParse(withInputs);
  if (!inputs.success) {
    const key = String(inputs.error.issues[0]?.path[0] ?? 'with');
    problems.push(
      problem(
        'catalog.shape',
        file,
        lineOf(key),
        `build-push-action input ${key} must be a string`,
        'write the input as a string',
      ),
    );
    return [];
  }
  const text = (input: keyof typeof inputs.data): string | undefined => {
    const v = inputs.data[input];
    return v === undefined ? undefined : String(v).trim();
  };
  const expression = (input: string, part: string) =>
    problems.push(
      problem(
        'catalog.expression',
        file,
        lineOf(input, part),
        `${input}: "${part}" holds an expression, known only when the workflow runs`,
        'write the value literally, or name the image in restack.yaml or with # restack: image=... in the Dockerfile',
      ),
    );

  const dockerfile = dockerfileOf(text('context'), text('file'), repoRoot);
  if ('expression' in dockerfile) {
    expression(dockerfile.expression, text(dockerfile.expression) ?? '');
    return [];
  }
  if ('remote' in dockerfile) {
    problems.push(
      problem(
        'catalog.remote-context',
        file,
        lineOf('context'),
        `context ${dockerfile.remote} is not in this repository`,
        'build from a folder of this repository, or list the image in restack.yaml',
      ),
    );
    return [];
  }

  const images: Array<{ name: string; tag: string }> = [];
  for (const line of listItems(text('tags'))) {
    if (line.includes(EXPRESSION)) {
      expression('tags', line);
      continue;
    }
    // Tags may also be comma-separated on a line (actions-toolkit Util.getInputList).
    for (const tag of line.split(',').map(unquote).filter(Boolean)) {
      const image = readImageName(tag);
      if (image.ok) images.push(image);
      else
        problems.push(
          problem(
            'catalog.reference',
            file,
            lineOf('tags', tag),
            `tags: ${image.error}`,
            'give each tag a valid name such as ghcr.io/owner/app:1',
          ),
        );
    }
  }
  if (!images.length) return [];

  // build-args keep commas: one KEY=VALUE per line.
  const buildArgs = new Map<string, string>();
  for (const line of listItems(text('build-args'))) {
    if (line.includes(EXPRESSION)) {
      expression('build-args', line);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) buildArgs.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  let target = text('target') || null;
  if (target?.includes(EXPRESSION)) {
    expression('target', target);
    target = null;
  }
  return claimsFor(
    {
      dockerfile: dockerfile.path,
      buildArgs: Object.fromEntries(buildArgs),
      target,
      source: 'workflow',
      file,
      line: stepLine,
    },
    images,
  );
}

/**
 * Where the Dockerfile is. Without `context` the action builds the Git
 * context of the repository (`{{defaultContext}}`), and `{{defaultContext}}:sub`
 * is a folder of it; there `file` is inside the context. A path context is
 * read from the workspace, where `file` is relative to the workspace and
 * defaults to `<context>/Dockerfile`.
 */
function dockerfileOf(
  context: string | undefined,
  file: string | undefined,
  root: string,
): { path: string } | { expression: 'context' | 'file' } | { remote: string } {
  if (file?.includes(EXPRESSION)) return { expression: 'file' };
  const git = /^\{\{\s*defaultContext\s*\}\}(?::(.*))?$/.exec(context || '{{defaultContext}}');
  if (git) {
    const base = path.resolve(root, git[1] ?? '');
    return { path: path.resolve(base, file || 'Dockerfile') };
  }
  if (context!.includes(EXPRESSION)) {
    return file ? { path: path.resolve(root, file) } : { expression: 'context' };
  }
  if (isRemoteContext(context!)) return { remote: context! };
  return { path: file ? path.resolve(root, file) : path.resolve(root, context!, 'Dockerfile') };
}

/** Newline-separated list items, trimmed, without blanks or `#` comments. */
function listItems(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function unquote(item: string): string {
  const t = item.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}
