import { StringDecoder } from 'node:string_decoder';
import { jsonMessageSchema, type JsonMessage } from './schema.js';

/** A parsed message, or a line the engine sent that is not one (kept for the log, never fatal). */
export type StreamItem = { message: JsonMessage } | { unparsed: string };

/**
 * Splits an engine's progress stream into messages. Docker ends each JSON
 * object with `\r\n`, podman with `\n`; an object can straddle chunks.
 */
export async function* jsonMessages(
  stream: AsyncIterable<Buffer | string>,
): AsyncGenerator<StreamItem> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== '') yield parseLine(line);
      newline = pending.indexOf('\n');
    }
  }
  const rest = (pending + decoder.end()).trim();
  if (rest !== '') yield parseLine(rest);
}

function parseLine(line: string): StreamItem {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { unparsed: line };
  }
  const parsed = jsonMessageSchema.safeParse(json);
  return parsed.success ? { message: parsed.data } : { unparsed: line };
}
