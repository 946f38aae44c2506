import { createRequire } from 'node:module';
import { firstLine, problem } from './problem.js';
import type { Problem } from './schema.js';
import { isRecord } from './yaml-source.js';

type HclParse = (filename: string, contents: string) => Promise<unknown>;

let parser: HclParse | undefined;

/**
 * HashiCorp's own HCL v2 parser (hashicorp/hcl through tmccombs/hcl2json),
 * compiled to WebAssembly and published as `@cdktf/hcl2json`. It is loaded
 * on first use only, since starting the WebAssembly module takes a moment
 * and most trees have no `docker-bake.hcl`. It is required rather than
 * imported so its type declarations, which pull in the DOM library, stay
 * out of this package's build.
 */
function hclParser(): HclParse {
  if (!parser) {
    const mod: unknown = createRequire(import.meta.url)('@cdktf/hcl2json');
    const parse = isRecord(mod) ? mod.parse : undefined;
    if (typeof parse !== 'function') throw new Error('@cdktf/hcl2json has no parse function');
    parser = parse as HclParse;
  }
  return parser;
}

/** Starts loading the parser ahead of its first use. */
export function warmHcl(): void {
  try {
    hclParser();
  } catch {
    // parseHcl reports the same failure where it matters.
  }
}

/**
 * HCL converted to JSON: blocks become `{ type: { label: [body, ...] } }`,
 * literal values stay values and every expression becomes its source text
 * wrapped in `${...}` (templates keep their `$${` escapes).
 */
export async function parseHcl(
  text: string,
  file: string,
): Promise<{ value: Record<string, unknown> } | { problem: Problem }> {
  try {
    // A fixed name keeps the diagnostics easy to read back whatever the path.
    const value = await hclParser()('docker-bake.hcl', text);
    if (isRecord(value)) return { value };
    return { problem: syntax(file, null, 'the file is not an HCL body') };
  } catch (e) {
    return { problem: fromDiagnostic(file, e instanceof Error ? e.message : String(e)) };
  }
}

/** `parse config: [docker-bake.hcl:3,1-2: Summary; Detail.]` -> line 3, `Summary; Detail.` */
function fromDiagnostic(file: string, message: string): Problem {
  const m = /docker-bake\.hcl:(\d+),\d+(?:-\d+)?: ([\s\S]*?)\]?$/.exec(message);
  if (!m) return syntax(file, null, message);
  return syntax(file, Number(m[1]), m[2] ?? message);
}

function syntax(file: string, line: number | null, message: string): Problem {
  return problem(
    'catalog.syntax',
    file,
    line,
    `invalid HCL: ${firstLine(message)}`,
    'correct the HCL syntax at that line (docker buildx bake --print shows the same error)',
  );
}
