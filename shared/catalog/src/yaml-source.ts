import { LineCounter, isMap, isNode, isSeq, parseDocument, type Document } from 'yaml';
import { firstLine, problem } from './problem.js';
import type { Problem } from './schema.js';

/** A parsed YAML file that can still tell where each value was written. */
export interface YamlSource {
  value: unknown;
  /** 1-based line of the value at `path`, or of its nearest written ancestor. */
  lineOf(path: ReadonlyArray<string | number>): number | null;
}

/**
 * Parses YAML with merge keys (`<<: *defaults`, common in Compose files) and
 * YAML's own alias limit, so a hostile file cannot expand without bound.
 */
export function readYaml(
  text: string,
  file: string,
): { source: YamlSource } | { problem: Problem } {
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, merge: true, uniqueKeys: false });
  } catch (e) {
    return { problem: syntax(file, null, e instanceof Error ? e.message : String(e)) };
  }
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0]?.line ?? null;
    return {
      problem: syntax(file, at, error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { problem: syntax(file, null, e instanceof Error ? e.message : String(e)) };
  }
  return {
    source: {
      value,
      lineOf(path) {
        let node: unknown = doc.contents;
        let line: number | null = lineOfNode(node, lines);
        for (const key of path) {
          let at: unknown;
          if (isMap(node)) {
            // The key's line: a block mapping's value starts on the line after it.
            const pair = node.items.find((p) => isNode(p.key) && p.key.toJSON() === key);
            at = pair?.key;
            node = pair?.value;
          } else if (isSeq(node) && typeof key === 'number') {
            at = node = node.items[key];
          } else break;
          const found = lineOfNode(at, lines);
          if (found === null) break;
          line = found;
        }
        return line;
      },
    },
  };
}

function lineOfNode(node: unknown, lines: LineCounter): number | null {
  if (!isNode(node) || !node.range) return null;
  return lines.linePos(node.range[0]).line;
}

function syntax(file: string, line: number | null, message: string): Problem {
  return problem(
    'catalog.syntax',
    file,
    line,
    `invalid YAML: ${firstLine(message)}`,
    'correct the YAML syntax at that line',
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
