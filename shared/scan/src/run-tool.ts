import { spawn } from 'node:child_process';
import { RestackError } from '@restack/core';

export interface RunToolOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
  /** stdout beyond this is an error: a report that large is not one restack can hold. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const STDERR_TAIL = 20;

/**
 * Runs a scanner with an argument array (no shell ever sees the image
 * reference) and returns its stdout. A non-zero exit, a timeout or a missing
 * binary is a RestackError carrying the end of its stderr.
 */
export function runTool(binary: string, args: string[], options: RunToolOptions): Promise<string> {
  const where = `${binary} ${args[0] ?? ''}`.trim();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: AbortSignal.any([
        AbortSignal.timeout(options.timeoutMs),
        ...(options.signal ? [options.signal] : []),
      ]),
    });
    const out: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const err: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        child.kill('SIGKILL');
      } else out.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      err.push(text);
      if (err.length > 200) err.splice(0, err.length - 200);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(
          new RestackError('SCAN_TOOL_MISSING', `${binary} is not installed or not on PATH`, {
            where,
            fix: `install ${binary}, set the scanner's binary in restack.yaml, or set scanner.type: none`,
          }),
        );
      } else if (e.name === 'AbortError') {
        reject(
          new RestackError('SCAN_TIMEOUT', `${binary} did not finish in time`, {
            where,
            cause: e,
            fix: 'raise scanner.timeoutMs in restack.yaml, or check that the scanner can reach its database and the registry',
          }),
        );
      } else
        reject(
          new RestackError('SCAN_FAILED', `${binary} could not run: ${e.message}`, {
            where,
            cause: e,
          }),
        );
    });
    // After an abort 'error' already rejected; a second reject is ignored.
    child.on('close', (code, signal) => {
      if (tooLarge) {
        reject(
          new RestackError('SCAN_FAILED', `${binary} wrote more than ${maxBytes} bytes`, {
            where,
            fix: 'scan a smaller image or raise the limit',
          }),
        );
      } else if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else {
        const tail = err.join('').trim().split('\n').slice(-STDERR_TAIL).join('\n');
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(
          new RestackError('SCAN_FAILED', `${binary} ${how}${tail ? `:\n${tail}` : ''}`, {
            where,
            fix: 'run the same command by hand to see why; its stderr is above',
          }),
        );
      }
    });
  });
}

/** Parses a tool's stdout as JSON, or says which tool printed something else. */
export function parseToolJson(text: string, tool: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new RestackError('SCAN_REPORT_INVALID', `${tool} did not print JSON`, {
      where: tool,
      cause,
      fix: `check that ${tool} supports JSON output (a recent release), and that nothing else writes to its stdout`,
    });
  }
}
