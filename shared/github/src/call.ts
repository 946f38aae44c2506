import { RestackError } from '@restack/core';
import { requestStatus, toGitHubError } from './errors.js';

/**
 * Run one GitHub call, turning failures into RestackErrors that say which
 * call failed. `known` maps a status and GitHub message to a specific error.
 */
export async function call<T>(
  where: string,
  run: () => Promise<T>,
  known: KnownFailure[] = [],
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const status = requestStatus(e);
    const message = e instanceof Error ? e.message : '';
    const match = known.find((k) => k.status === status && k.message.test(message));
    if (match) throw new RestackError(match.code, match.text, { where, fix: match.fix });
    throw toGitHubError(e, where);
  }
}

export interface KnownFailure {
  status: number;
  message: RegExp;
  code: string;
  text: string;
  fix: string;
}

/** `*` any run of characters, `?` one; GitHub names compare case-insensitively. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

export function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
