/**
 * Answers a test asks for: rate limits, server errors and malformed bodies.
 * Each fault applies to the next `times` requests it matches (default 1).
 */

export type Fault =
  | {
      /** 403 or 429 with retry-after, worded as GitHub words it. */
      kind: 'secondary-rate-limit';
      status?: 403 | 429;
      retryAfter?: number;
      operationId?: string;
      times?: number;
    }
  | {
      /** 403 with x-ratelimit-remaining: 0 and a reset time. */
      kind: 'primary-rate-limit';
      resetInSeconds?: number;
      operationId?: string;
      times?: number;
    }
  | { kind: 'server-error'; status?: 500 | 502 | 503; operationId?: string; times?: number }
  | {
      /**
       * Change the real answer at a JSON pointer (`/object/sha`): set `value`,
       * or delete the field when `value` is absent.
       */
      kind: 'malformed-response';
      operationId: string;
      pointer: string;
      value?: unknown;
      /** false sends the broken body on, to exercise the client's own checks. */
      validate?: boolean;
      times?: number;
    };

export type FaultKind = Fault['kind'];

interface Armed {
  fault: Fault;
  left: number;
}

export interface Faults {
  inject(fault: Fault): void;
  clear(): void;
  /** The fault to apply to this request, if any; consumes one use. */
  take(operationId: string, kinds: FaultKind[]): Fault | undefined;
}

export function createFaults(): Faults {
  let armed: Armed[] = [];
  return {
    inject(fault) {
      armed.push({ fault, left: fault.times ?? 1 });
    },
    clear() {
      armed = [];
    },
    take(operationId, kinds) {
      const hit = armed.find(
        (a) =>
          kinds.includes(a.fault.kind) &&
          (a.fault.operationId === undefined || a.fault.operationId === operationId),
      );
      if (!hit) return undefined;
      hit.left -= 1;
      if (hit.left <= 0) armed = armed.filter((a) => a !== hit);
      return hit.fault;
    },
  };
}

export interface FaultAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';

/** The answer for a rate-limit or server-error fault. */
export function faultAnswer(
  fault: Fault,
  requestId: string,
  nowMs: number,
): FaultAnswer | undefined {
  switch (fault.kind) {
    case 'secondary-rate-limit':
      return {
        status: fault.status ?? 403,
        headers: { 'retry-after': String(fault.retryAfter ?? 1) },
        body: {
          message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
          documentation_url: DOCS,
          status: String(fault.status ?? 403),
        },
      };
    case 'primary-rate-limit': {
      const reset = Math.floor(nowMs / 1000) + (fault.resetInSeconds ?? 0);
      return {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        body: { message: 'API rate limit exceeded.', documentation_url: DOCS, status: '403' },
      };
    }
    case 'server-error':
      return {
        status: fault.status ?? 502,
        headers: {},
        body: {
          message: 'Server Error',
          documentation_url: DOCS,
          status: String(fault.status ?? 502),
        },
      };
    default:
      return undefined;
  }
}

/** Apply a malformed-response fault to a JSON body (a deep copy is changed). */
export function malform(
  body: unknown,
  fault: Extract<Fault, { kind: 'malformed-response' }>,
): unknown {
  const copy: unknown = structuredClone(body);
  const keys = fault.pointer
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  let target: unknown = copy;
  for (const key of keys) target = (target as Record<string, unknown> | undefined)?.[key];
  if (last === undefined || target === null || typeof target !== 'object') {
    throw new Error(`github-server: pointer ${fault.pointer} does not exist in the answer`);
  }
  const record = target as Record<string, unknown>;
  if ('value' in fault) record[last] = fault.value;
  else delete record[last];
  return copy;
}
