import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { RestackError } from '@restack/core';
import { configSchema, type Config } from './schema.js';
import { applyEnvOverrides } from './env.js';

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file, or null for the built-in default. */
  file: string | null;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
  /** Environment variables that changed the config. */
  envOverrides: string[];
}

/** Reads, parses and validates a restack.yaml; every error names the file, line and field. */
export async function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new RestackError(
      'config.unreadable',
      `cannot read the config file: ${(cause as Error).message}`,
      {
        where: absolute,
        cause,
        fix: 'pass an existing file with --config FILE',
      },
    );
  }
  return parseConfig(text, absolute, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    throw new RestackError(
      'config.yaml',
      `invalid YAML: ${yamlError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      {
        where: at ? `${file}:${at.line}:${at.col}` : file,
        fix: 'correct the YAML syntax at that line',
      },
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RestackError('config.shape', 'the config must be a YAML mapping (key: value)', {
      where: file,
      fix: 'start the file with keys such as "sources:" and "images:"',
    });
  }
  const { config: overridden, applied } = applyEnvOverrides(raw as Record<string, unknown>, env);
  const result = configSchema.safeParse(overridden);
  if (!result.success) throw describeIssues(result.error, doc, lineCounter, file);
  return { config: result.data, file, baseDir: path.dirname(file), envOverrides: applied };
}

/** Turns zod issues into one error listing each field path with its line. */
function describeIssues(
  error: z.ZodError,
  doc: Document,
  lines: LineCounter,
  file: string,
): RestackError {
  const found = error.issues
    .map((issue) => {
      const fieldPath = issue.path.map(String);
      const line = lineOf(doc, lines, fieldPath);
      const field = fieldPath.length ? fieldPath.join('.') : '(top level)';
      return { line, text: `${line ? `line ${line}, ` : ''}${field}: ${issueSentence(issue)}` };
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const firstLine = found[0]?.line ?? null;
  const messages = found.map((f) => f.text);
  return new RestackError('config.invalid', `invalid config:\n  ${messages.join('\n  ')}`, {
    where: firstLine ? `${file}:${firstLine}` : file,
    fix: 'correct the fields listed above; see the config reference in the README or restack.schema.json',
  });
}

function issueSentence(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
  }
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return issue.message;
}

/** The 1-based line of the deepest node of `fieldPath` that exists in the YAML. */
function lineOf(doc: Document, lines: LineCounter, fieldPath: string[]): number | null {
  for (let n = fieldPath.length; n >= 0; n--) {
    const keys = fieldPath.slice(0, n).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const node = n === 0 ? doc.contents : doc.getIn(keys, true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return null;
}
