import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createBuildLog, parseStepLine } from './build-log.js';
import { jsonMessages } from './json-stream.js';

function captureLogger() {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), records };
}

async function* chunks(...parts: string[]) {
  for (const part of parts) yield Buffer.from(part);
}

async function feed(text: string[], mask: string[] = []) {
  const { logger, records } = captureLogger();
  const log = createBuildLog(logger, { mask, tailLines: 5 });
  for await (const item of jsonMessages(chunks(...text))) log.accept(item);
  log.finish();
  return { log, records };
}

describe('parseStepLine', () => {
  it('reads podman, multi-stage podman and Docker step headers', () => {
    assert.deepEqual(parseStepLine('STEP 3/5: RUN false'), {
      number: 3,
      total: 5,
      instruction: 'RUN false',
    });
    assert.deepEqual(parseStepLine('[2/2] STEP 1/3: FROM base AS final'), {
      number: 1,
      total: 3,
      instruction: 'FROM base AS final',
      stage: '2/2',
    });
    assert.deepEqual(parseStepLine('Step 3/5 : RUN false'), {
      number: 3,
      total: 5,
      instruction: 'RUN false',
    });
    assert.equal(parseStepLine(' ---> Running in 1c2d'), null);
  });
});

describe('createBuildLog', () => {
  it('logs whole lines, even when JSON objects and lines straddle chunks', async () => {
    const { log, records } = await feed([
      '{"stream":"Step 1/2 : FROM base\\n"}\r\n{"stream":"Step 2/2 : RUN make',
      '\\n"}\r\n{"stream":"compiling "}\n{"stream":"done\\n"}\n{"aux":{"ID":"sha256:abc"}}\n',
    ]);
    const lines = records.filter((r) => r.msg === 'build output').map((r) => [r.step, r.line]);
    assert.deepEqual(lines, [
      [1, 'Step 1/2 : FROM base'],
      [2, 'Step 2/2 : RUN make'],
      [2, 'compiling done'],
    ]);
    assert.equal(log.imageId(), 'sha256:abc');
    assert.equal(log.error(), null);
  });

  it('keeps the failing step, the error and a bounded tail (Docker errorDetail)', async () => {
    const { log } = await feed([
      '{"stream":"Step 1/3 : FROM base\\n"}\n{"stream":"Step 2/3 : RUN a\\n"}\n',
      '{"stream":"1\\n2\\n3\\n4\\n"}\n{"stream":"Step 3/3 : RUN false\\n"}\n',
      '{"errorDetail":{"code":1,"message":"The command \'/bin/sh -c false\' returned a non-zero code: 1"},"error":"The command \'/bin/sh -c false\' returned a non-zero code: 1"}\n',
    ]);
    assert.deepEqual(log.step(), { number: 3, total: 3, instruction: 'RUN false' });
    assert.match(log.error() ?? '', /returned a non-zero code: 1/);
    // The tail is bounded (5 lines here): the oldest lines fall off.
    assert.deepEqual(log.tail(), [
      '2',
      '3',
      '4',
      'Step 3/3 : RUN false',
      "The command '/bin/sh -c false' returned a non-zero code: 1",
    ]);
  });

  it('keeps lines that are not JSON, without failing', async () => {
    const { log, records } = await feed(['not json at all\n{"stream":"ok\\n"}\n']);
    assert.deepEqual(log.tail(), ['not json at all', 'ok']);
    assert.ok(records.some((r) => r.level === 40 && r.line === 'not json at all'));
  });

  it('blanks secret values wherever they appear', async () => {
    const { log, records } = await feed(
      ['{"stream":"token is s3cr3t-value\\n"}\n{"error":"failed with s3cr3t-value"}\n'],
      ['s3cr3t-value'],
    );
    assert.equal(JSON.stringify(records).includes('s3cr3t-value'), false);
    assert.equal(log.tail().join('\n').includes('s3cr3t-value'), false);
    assert.equal(log.error(), 'failed with [redacted]');
  });
});
