import { extractDockerfile, type DockerfileStage } from '@restack/dockerfile';
import { DockerfileParser } from 'dockerfile-ast';

/** One `FROM <image>` of a Dockerfile. */
export interface DockerfileBase {
  line: number;
  /** The normalised reference, or null when it cannot be known statically. */
  ref: string | null;
  /** As written (before ARG substitution). */
  raw: string;
  /** Why `ref` is null. */
  reason: string | null;
}

export interface ExposedPort {
  line: number;
  /** `22`, `8000-8010` */
  from: number;
  to: number;
  protocol: string;
}

/** What a Dockerfile says about the image it builds, read without building it. */
export interface DockerfileFacts {
  file: string;
  bases: DockerfileBase[];
  /** The final stage's last USER (following stages it is built FROM), or null when none sets one. */
  user: { value: string; line: number } | null;
  /** EXPOSE of the final stage and the stages it is built FROM. */
  exposed: ExposedPort[];
  /** Things that could not be read statically. */
  notes: string[];
  errors: Array<{ line: number | null; message: string }>;
}

export interface DockerfileFactsOptions {
  /** The stage that is built (`--target`); default the last one. */
  target?: string;
  buildArgs?: Record<string, string>;
}

/** Reads the bases, the default user and the exposed ports of a Dockerfile. */
export function dockerfileFacts(
  text: string,
  file: string,
  options: DockerfileFactsOptions = {},
): DockerfileFacts {
  const extract = extractDockerfile(text, { file, buildArgs: options.buildArgs ?? {} });
  const notes: string[] = [];
  const bases = extract.references
    .filter((r) => r.kind === 'from')
    .map((r) => ({
      line: r.line,
      ref: r.ref?.valid && r.ref.name ? formatRef(r.ref) : null,
      raw: r.raw,
      reason: r.unresolved ? r.reason : r.ref?.valid ? null : (r.ref?.error ?? 'invalid reference'),
    }));

  const chain = stageChain(extract.stages, options.target, notes);
  const stageOf = (line: number) => lastStageAt(extract.stages, line);
  let user: DockerfileFacts['user'] = null;
  const exposed: ExposedPort[] = [];
  const instructions = DockerfileParser.parse(text).getInstructions();
  // Walk the chain from the built stage up to its first base: the nearest USER wins.
  for (const stage of chain) {
    const own = instructions.filter((i) => stageOf(i.getRange().start.line + 1) === stage.index);
    if (user === null) {
      const last = own.filter((i) => i.getKeyword() === 'USER').at(-1);
      if (last) {
        const value = last.getExpandedArguments()[0]?.getValue() ?? '';
        const line = last.getRange().start.line + 1;
        if (value.includes('$'))
          notes.push(`line ${line}: USER ${value} cannot be resolved statically`);
        else user = { value, line };
      }
    }
    for (const i of own.filter((x) => x.getKeyword() === 'EXPOSE')) {
      const line = i.getRange().start.line + 1;
      for (const arg of i.getExpandedArguments().map((a) => a.getValue())) {
        const port = parsePort(arg);
        if (port) exposed.push({ line, ...port });
        else notes.push(`line ${line}: EXPOSE ${arg} cannot be read statically`);
      }
    }
  }
  return {
    file,
    bases,
    user,
    exposed,
    notes,
    errors: extract.errors.map((e) => ({ line: e.line, message: e.message })),
  };
}

function formatRef(r: { name: string | null; tag: string | null; digest: string | null }): string {
  return `${r.name}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The built stage, then the stage it is FROM, and so on. */
function stageChain(
  stages: readonly DockerfileStage[],
  target: string | undefined,
  notes: string[],
): DockerfileStage[] {
  let stage = target ? stages.find((s) => s.name === target.toLowerCase()) : stages.at(-1);
  if (target && !stage)
    notes.push(`target stage "${target}" is not in the Dockerfile; the last stage is used`);
  stage ??= stages.at(-1);
  const chain: DockerfileStage[] = [];
  while (stage && !chain.includes(stage)) {
    chain.push(stage);
    stage = stage.baseStage === null ? undefined : stages[stage.baseStage];
  }
  return chain;
}

function lastStageAt(stages: readonly DockerfileStage[], line: number): number {
  let index = -1;
  for (const s of stages) if (s.line <= line) index = s.index;
  return index;
}

/** `22`, `22/tcp`, `8000-8010/udp`; null when it is not a port (a variable, say). */
function parsePort(text: string): { from: number; to: number; protocol: string } | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i.exec(text);
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || to < from) return null;
  return { from, to, protocol: (m[3] ?? 'tcp').toLowerCase() };
}

/** `ExposedPorts` keys of an image config (`22/tcp`) as ranges. */
export function parseExposedPorts(keys: readonly string[]): Array<Omit<ExposedPort, 'line'>> {
  return keys.map(parsePort).filter((p) => p !== null);
}

/** Root is an empty user, `root` or uid 0, with any group. */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0]?.trim() ?? '';
  return name === '' || name === 'root' || /^0+$/.test(name);
}
