import { RestackError } from '@restack/core';
import { EVENT_TYPES, schemaFor, type RestackEvent } from './catalog.js';
import { describeIssues } from './issues.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

function decode(input: string | Uint8Array): unknown {
  try {
    const text = typeof input === 'string' ? input : decoder.decode(input);
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RestackError('EVENT_INVALID_JSON', `event is not UTF-8 JSON: ${reason}`, {
      cause,
      where: '(root)',
      fix: 'publish events with @restack/bus, which serialises them with JSON.stringify',
    });
  }
}

/**
 * Reads an event from the wire (bytes or text) or from an already parsed
 * value. Throws RestackError naming the first invalid field path in `where`
 * and every problem in the message.
 */
export function parseEvent(input: string | Uint8Array | unknown): RestackEvent {
  const value = typeof input === 'string' || input instanceof Uint8Array ? decode(input) : input;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RestackError('EVENT_INVALID', 'event must be a JSON object', { where: '(root)' });
  }
  const { type, version } = value as { type?: unknown; version?: unknown };
  const schema = typeof type === 'string' ? schemaFor(type) : undefined;
  if (!schema) {
    throw new RestackError('EVENT_UNKNOWN_TYPE', `unknown event type ${JSON.stringify(type)}`, {
      where: 'type',
      fix: `use one of ${EVENT_TYPES.join(', ')}`,
    });
  }
  const supported = schema.shape.version.value;
  if (version !== supported) {
    throw new RestackError(
      'EVENT_UNSUPPORTED_VERSION',
      `${String(type)} version ${JSON.stringify(version)} is not supported; this build reads version ${supported}`,
      { where: 'version', fix: 'run the same restack version for producers and consumers' },
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const { where, text } = describeIssues(result.error.issues);
    throw new RestackError('EVENT_INVALID', `invalid ${String(type)}: ${text}`, { where });
  }
  return result.data;
}
