import { readFile } from 'node:fs/promises';
import { errorMessage } from '@restack/core';
import { emptyExtract, extractDockerfile } from './extract.js';
import type { DockerfileExtract } from './types.js';

export interface ExtractFileOptions {
  /** The name reported as `file` (defaults to the path). */
  readonly displayPath?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/** Reads and extracts one Dockerfile; a read error becomes an entry in `errors`. */
export async function extractDockerfileFile(
  path: string,
  options: ExtractFileOptions = {},
): Promise<DockerfileExtract> {
  const file = options.displayPath ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return emptyExtract(file, [{ line: null, message: `cannot read the file: ${readError(e)}` }]);
  }
  return extractDockerfile(text, { file, buildArgs: options.buildArgs ?? {} });
}

function readError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return errorMessage(e);
}
