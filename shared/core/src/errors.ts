/**
 * Every error a user can meet carries a stable code, where it came from
 * (file, line, field, URL) and the sentence that fixes it (STYLE.md 5).
 */
export interface ErrorDetails {
  cause?: unknown;
  /** File, line, field path or URL the problem was found at. */
  where?: string;
  /** What the user should do about it. */
  fix?: string;
}

export class RestackError extends Error {
  readonly code: string;
  readonly where: string | undefined;
  readonly fix: string | undefined;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RestackError';
    this.code = code;
    this.where = details.where;
    this.fix = details.fix;
  }

  /** One line for a terminal: `where: message (fix)`. */
  describe(): string {
    const prefix = this.where ? `${this.where}: ` : '';
    const fix = this.fix ? `\n  fix: ${this.fix}` : '';
    return `${prefix}${this.message}${fix}`;
  }
}

export function isRestackError(e: unknown): e is RestackError {
  return e instanceof RestackError;
}

/** A message for any thrown value, without a stack trace. */
export function errorMessage(e: unknown): string {
  if (e instanceof RestackError) return e.describe();
  if (e instanceof Error) return e.message;
  return String(e);
}
