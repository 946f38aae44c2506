import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTransient, whileRecovering } from './recover.js';

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('whileRecovering', () => {
  it('tells a server coming back from a real answer', () => {
    assert.ok(isTransient(named('TimeoutError', 'timeout')));
    assert.ok(isTransient(new Error('503 no responders available')));
    assert.ok(isTransient(new Error('connection closed')));
    assert.ok(!isTransient(new Error('stream not found')));
    assert.ok(!isTransient(new Error('consumer not found: timeout')));
    assert.ok(!isTransient(new Error('invalid stream config')));
    assert.ok(!isTransient('timeout'));
  });

  it('tries a transient failure again and gives a real one back at once', async () => {
    let calls = 0;
    const value = await whileRecovering(async () => {
      if (++calls < 3) throw named('TimeoutError', 'timeout');
      return 'ok';
    });
    assert.deepEqual([value, calls], ['ok', 3]);
    calls = 0;
    await assert.rejects(
      whileRecovering(async () => {
        calls++;
        throw new Error('stream not found');
      }),
      /stream not found/,
    );
    assert.equal(calls, 1);
  });

  it('gives up once its time is over', async () => {
    await assert.rejects(
      whileRecovering(
        async () => {
          throw named('TimeoutError', 'timeout');
        },
        { withinMs: 1 },
      ),
      /timeout/,
    );
  });
});
