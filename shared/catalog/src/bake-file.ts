import { parseHcl } from './hcl.js';
import { firstLine, lineAt, problem } from './problem.js';
import { bakeTargetSchema, bakeVariableSchema, type BakeTarget, type Problem } from './schema.js';
import { isRecord } from './yaml-source.js';

export type BakeFormat = 'json' | 'hcl';

/** File names Bake reads by itself, in the order it merges them. */
export const BAKE_FILE_NAMES = [
  'docker-bake.json',
  'docker-bake.hcl',
  'docker-bake.override.json',
  'docker-bake.override.hcl',
] as const;

export interface BakeSourceFile {
  text: string;
  file: string;
  format: BakeFormat;
}

/** One `target` block as written, with where it was written. */
export interface TargetBody {
  body: BakeTarget;
  file: string;
  line: number | null;
}

/** Bake files of one folder, merged in order but not yet evaluated. */
export interface BakeProject {
  /** Variable values: defaults, overridden by top-level attributes (later files win). */
  variables: Map<string, unknown>;
  /** Where each variable's value was written. */
  variableAt: Map<string, { file: string; line: number | null }>;
  /** Bodies of each target, in file order; Bake merges same-named targets. */
  targets: Map<string, TargetBody[]>;
  /** Names listed in any group's `targets`. */
  grouped: Set<string>;
}

const BLOCK_KINDS = new Set(['variable', 'target', 'group', 'function']);

/** Reads Bake files in merge order; a file that cannot be read adds a problem and nothing else. */
export async function readBakeProject(
  files: ReadonlyArray<BakeSourceFile>,
  problems: Problem[],
): Promise<BakeProject> {
  const defaults = new Map<string, unknown>();
  const attributes = new Map<string, unknown>();
  const targets = new Map<string, TargetBody[]>();
  const grouped = new Set<string>();
  const defaultAt = new Map<string, { file: string; line: number | null }>();
  const attributeAt = new Map<string, { file: string; line: number | null }>();
  for (const { text, file, format } of files) {
    const decoded = format === 'hcl' ? await parseHcl(text, file) : parseJson(text, file);
    if ('problem' in decoded) {
      problems.push(decoded.problem);
      continue;
    }
    const root = decoded.value;
    for (const [key, value] of Object.entries(root)) {
      // "//" is a comment in HCL's JSON syntax.
      if (BLOCK_KINDS.has(key) || key === '//') continue;
      attributes.set(key, value);
      attributeAt.set(key, { file, line: attributeLine(text, format, key) });
    }
    for (const [name, body] of blockBodies(root.variable, file, 'variable', problems)) {
      const parsed = bakeVariableSchema.safeParse(body);
      // A variable without a default is the empty string in Bake; `default = null` is null.
      if (!parsed.success) continue;
      defaults.set(name, 'default' in parsed.data ? parsed.data.default : '');
      defaultAt.set(name, { file, line: blockLine(text, format, 'variable', name) });
    }
    for (const [, body] of blockBodies(root.group, file, 'group', problems)) {
      const names = isRecord(body) ? body.targets : undefined;
      if (Array.isArray(names)) for (const n of names) if (typeof n === 'string') grouped.add(n);
    }
    for (const [name, body] of blockBodies(root.target, file, 'target', problems)) {
      const line = blockLine(text, format, 'target', name);
      const parsed = bakeTargetSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        problems.push(
          problem(
            'catalog.shape',
            file,
            line,
            `target ${name}: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
            'follow the Bake file reference for this attribute (https://docs.docker.com/build/bake/reference/)',
          ),
        );
        continue;
      }
      const list = targets.get(name) ?? [];
      list.push({ body: parsed.data, file, line });
      targets.set(name, list);
    }
  }
  return {
    variables: new Map([...defaults, ...attributes]),
    variableAt: new Map([...defaultAt, ...attributeAt]),
    targets,
    grouped,
  };
}

/** Block bodies by label: JSON gives one object per label, HCL a list (one per block). */
function blockBodies(
  blocks: unknown,
  file: string,
  kind: string,
  problems: Problem[],
): Array<[string, unknown]> {
  if (blocks === undefined) return [];
  if (!isRecord(blocks)) {
    problems.push(
      problem(
        'catalog.shape',
        file,
        null,
        `"${kind}" must map names to blocks`,
        `write ${kind} blocks as ${kind} "name" { ... }`,
      ),
    );
    return [];
  }
  return Object.entries(blocks).flatMap(([name, body]): Array<[string, unknown]> =>
    Array.isArray(body) ? body.map((b): [string, unknown] => [name, b]) : [[name, body]],
  );
}

function parseJson(
  text: string,
  file: string,
): { value: Record<string, unknown> } | { problem: Problem } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = /position (\d+)/.exec(message);
    return {
      problem: problem(
        'catalog.syntax',
        file,
        at ? lineAt(text, Number(at[1])) : null,
        `invalid JSON: ${firstLine(message)}`,
        'correct the JSON syntax (a trailing comma or a missing quote is the usual cause)',
      ),
    };
  }
  if (!isRecord(value)) {
    return {
      problem: problem(
        'catalog.shape',
        file,
        1,
        'a Bake file must be a JSON object',
        'start the file with { "target": { ... } }',
      ),
    };
  }
  return { value };
}

/** Line of a block's header; the converted HCL and JSON.parse keep no positions. */
function blockLine(text: string, format: BakeFormat, kind: string, name: string): number | null {
  const quoted = escape(JSON.stringify(name));
  if (format === 'hcl') {
    return lineOf(text, new RegExp(`^[ \\t]*${kind}[ \\t]+${quoted}[ \\t]*\\{`, 'm'));
  }
  const section = new RegExp(`"${kind}"\\s*:`).exec(text);
  if (!section) return null;
  const line = lineOf(text.slice(section.index), new RegExp(`${quoted}\\s*:`));
  return line === null ? null : lineAt(text, section.index) + line - 1;
}

/** Line of a top-level attribute such as `TAG = "1"` (HCL) or `"TAG": "1"` (JSON). */
function attributeLine(text: string, format: BakeFormat, name: string): number | null {
  if (format === 'json') return lineOf(text, new RegExp(`${escape(JSON.stringify(name))}\\s*:`));
  return lineOf(text, new RegExp(`^[ \\t]*${escape(name)}[ \\t]*=`, 'm'));
}

function lineOf(text: string, pattern: RegExp): number | null {
  const m = pattern.exec(text);
  return m ? lineAt(text, m.index) : null;
}

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
