import path from 'node:path';
import { claimsFor, isRemoteContext, readImageName } from './image-name.js';
import { interpolateCompose } from './interpolate.js';
import { problem, sortProblems } from './problem.js';
import { composeServiceSchema, type Claim, type Problem } from './schema.js';
import { isRecord, readYaml, type YamlSource } from './yaml-source.js';

/** File names Compose reads by itself, in its order of preference (compose-go `cli`). */
export const COMPOSE_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
] as const;
export const COMPOSE_OVERRIDE_FILE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
] as const;

export interface ParseResult {
  claims: Claim[];
  problems: Problem[];
}

/** A value and where it was written. */
interface Located<T> {
  value: T;
  file: string;
  line: number | null;
}

/** What one service says about its build, after interpolation. */
interface ServiceBuild {
  image?: Located<string>;
  hasBuild: boolean;
  context?: string;
  dockerfile?: string;
  inline: boolean;
  args: Map<string, string>;
  target?: string;
  line: number | null;
  file: string;
}

/** Claims of one Compose file: services that have both `build` and `image`. */
export function parseCompose(
  text: string,
  file: string,
  vars: ReadonlyMap<string, string> = new Map(),
): ParseResult {
  return parseComposeProject([{ text, file }], vars);
}

/**
 * Claims of a Compose project: a file and its override, merged per service as
 * Compose merges them (later files override fields, `args` are merged).
 * `vars` are the project's `.env` values; the environment is not read.
 * Contexts are relative to the folder of the first file.
 */
export function parseComposeProject(
  files: ReadonlyArray<{ text: string; file: string }>,
  vars: ReadonlyMap<string, string> = new Map(),
): ParseResult {
  const problems: Problem[] = [];
  const services = new Map<string, ServiceBuild>();
  for (const { text, file } of files) {
    for (const [name, service] of readServices(text, file, vars, problems)) {
      const before = services.get(name);
      services.set(name, before ? mergeService(before, service) : service);
    }
  }
  const first = files[0];
  if (!first) return { claims: [], problems };
  const dir = path.dirname(first.file);
  const claims: Claim[] = [];
  for (const [name, s] of services) {
    if (!s.image || !s.hasBuild || s.inline) continue;
    const at = s.image;
    const image = readImageName(at.value);
    if (!image.ok) {
      problems.push(
        problem(
          'catalog.reference',
          at.file,
          at.line,
          `service ${name}: ${image.error}`,
          'give `image` a valid name such as registry.example.com/team/app:1',
        ),
      );
      continue;
    }
    const context = s.context ?? '.';
    if (isRemoteContext(context)) {
      problems.push(
        problem(
          'catalog.remote-context',
          s.file,
          s.line,
          `service ${name} builds from the remote context ${context}`,
          'build from a folder of this repository, or list the image in restack.yaml',
        ),
      );
      continue;
    }
    claims.push(
      ...claimsFor(
        {
          dockerfile: path.resolve(dir, context, s.dockerfile ?? 'Dockerfile'),
          buildArgs: Object.fromEntries(s.args),
          target: s.target ?? null,
          source: 'compose',
          file: at.file,
          line: at.line,
        },
        [image],
      ),
    );
  }
  return { claims, problems: sortProblems(problems) };
}

function readServices(
  text: string,
  file: string,
  vars: ReadonlyMap<string, string>,
  problems: Problem[],
): Map<string, ServiceBuild> {
  const out = new Map<string, ServiceBuild>();
  const read = readYaml(text, file);
  if ('problem' in read) {
    problems.push(read.problem);
    return out;
  }
  const { value, lineOf } = read.source;
  if (value === null || value === undefined) return out;
  const services = isRecord(value) ? value.services : undefined;
  if (!isRecord(value) || (services !== undefined && services !== null && !isRecord(services))) {
    problems.push(
      shape(file, lineOf(['services']), '`services` must be a mapping of service names'),
    );
    return out;
  }
  for (const [name, raw] of Object.entries(services ?? {})) {
    const service = readService(name, raw, { file, vars, lineOf, problems });
    if (service) out.set(name, service);
  }
  return out;
}

interface ServiceContext {
  file: string;
  vars: ReadonlyMap<string, string>;
  lineOf: YamlSource['lineOf'];
  problems: Problem[];
}

/** One service's build facts, or undefined when an unreadable value hides them. */
function readService(name: string, raw: unknown, ctx: ServiceContext): ServiceBuild | undefined {
  const { file, vars, lineOf, problems } = ctx;
  const parsed = composeServiceSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = (issue?.path ?? []).map((k) => (typeof k === 'number' ? k : String(k)));
    problems.push(
      shape(
        file,
        lineOf(['services', name, ...keys]),
        `service ${name}: ${keys.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`,
      ),
    );
    return undefined;
  }
  // Interpolates one field; an unresolved one is reported and left out.
  const field = (value: string, keys: string[]): string | undefined => {
    const result = interpolateCompose(value, vars);
    if (result.ok) return result.value;
    problems.push(
      problem(
        'catalog.variable',
        file,
        lineOf(['services', name, ...keys]),
        `service ${name}: ${keys.join('.')}: ${result.reason}`,
        'give the variable a default (${VAR:-value}) or set it in the .env file beside the Compose file',
      ),
    );
    return undefined;
  };
  const { image, build } = parsed.data;
  const line = lineOf(['services', name]);
  const service: ServiceBuild = {
    hasBuild: build !== undefined,
    inline: false,
    args: new Map(),
    line,
    file,
  };
  if (image !== undefined) {
    const value = field(image, ['image']);
    if (value === undefined) return undefined;
    service.image = { value, file, line: lineOf(['services', name, 'image']) };
  }
  const spec = typeof build === 'string' ? { context: build } : build;
  if (!spec) return service;
  service.context =
    spec.context === undefined ? undefined : field(spec.context, ['build', 'context']);
  service.dockerfile =
    spec.dockerfile === undefined ? undefined : field(spec.dockerfile, ['build', 'dockerfile']);
  // Without its context or Dockerfile the service cannot name a Dockerfile.
  if (service.context === undefined && spec.context !== undefined) return undefined;
  if (service.dockerfile === undefined && spec.dockerfile !== undefined) return undefined;
  if (spec.target !== undefined) service.target = field(spec.target, ['build', 'target']);
  service.inline = spec.dockerfile_inline !== undefined;
  for (const [key, value] of argEntries(spec.args)) {
    const resolved = field(value, ['build', 'args', key]);
    if (resolved !== undefined) service.args.set(key, resolved);
  }
  return service;
}

/** `args` as a map or a `KEY=VALUE` list; a key without a value is not set (Compose takes it from the user). */
function argEntries(
  args: Record<string, string | number | boolean | null> | string[] | undefined,
): Array<[string, string]> {
  if (!args) return [];
  if (Array.isArray(args)) {
    return args.flatMap((item): Array<[string, string]> => {
      const eq = item.indexOf('=');
      return eq > 0 ? [[item.slice(0, eq), item.slice(eq + 1)]] : [];
    });
  }
  return Object.entries(args).flatMap(([k, v]): Array<[string, string]> =>
    v === null ? [] : [[k, String(v)]],
  );
}

/** Compose's merge of an override onto a service: fields override, args merge. */
function mergeService(base: ServiceBuild, over: ServiceBuild): ServiceBuild {
  return {
    image: over.image ?? base.image,
    hasBuild: base.hasBuild || over.hasBuild,
    context: over.context ?? base.context,
    dockerfile: over.dockerfile ?? base.dockerfile,
    inline: over.dockerfile === undefined && (over.inline || base.inline),
    args: new Map([...base.args, ...over.args]),
    target: over.target ?? base.target,
    line: base.line,
    file: base.file,
  };
}

function shape(file: string, line: number | null, message: string): Problem {
  return problem(
    'catalog.shape',
    file,
    line,
    message,
    'follow the Compose specification for this field (https://github.com/compose-spec/compose-spec)',
  );
}

/** Reads a Compose `.env` file: `KEY=VALUE` lines, optional `export` and quotes, `#` comments. */
export function parseDotEnv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) continue;
    let value = (m[2] ?? '').trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    vars.set(m[1]!, value);
  }
  return vars;
}
