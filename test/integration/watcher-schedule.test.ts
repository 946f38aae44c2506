import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeKvKey } from '@restack/bus';
import { silentLogger } from '@restack/core';
import { startRuntime } from '@restack/service';
import { refStateSchema, registryWatcherService } from '@restack/svc-registry-watcher';
import { pushImage } from '../harness/images.js';
import { startNats, waitFor } from '../harness/nats.js';
import { startRegistry } from '../harness/registry.js';
import { registryClient } from './watcher-fixture.js';

const TIMEOUT = 90_000;

describe('registry watcher: schedule', () => {
  it(
    'runs in the service runtime and polls each registry on its own cron schedule',
    { timeout: TIMEOUT },
    async (t) => {
      const nats = await startNats();
      t.after(() => nats.close());
      const fast = await startRegistry();
      const slow = await startRegistry();
      t.after(() => Promise.all([fast.close(), slow.close()]));
      await pushImage(fast.url, 'base', '1', { layers: [{ files: { a: '1' } }] });
      await pushImage(slow.url, 'base', '1', { layers: [{ files: { a: '1' } }] });
      const fastRef = `${fast.host}/base:1`;
      const slowRef = `${slow.host}/base:1`;
      const runtime = await startRuntime({
        name: 'watcher-schedule-test',
        services: [
          registryWatcherService({
            registryClient: await registryClient(t, [fast.host, slow.host]),
            graphSource: () => [fastRef, slowRef],
            // The default schedule never comes round during the test; the override fires every second.
            config: {
              schedule: '0 0 1 1 *',
              registries: { [fast.host]: { schedule: '* * * * * *' } },
            },
            webhooks: false,
          }),
        ],
        nats: { servers: nats.url },
        handleSignals: false,
        logger: silentLogger(),
      });
      t.after(() => runtime.stop());
      await runtime.ready;
      const kv = await runtime.bus()!.kv('restack-digests', refStateSchema);
      const first = await waitFor(
        'a scheduled poll of the overridden registry',
        async () => (await kv.get(encodeKvKey(fastRef)))?.value,
      );
      await waitFor('a second scheduled poll', async () => {
        const now = (await kv.get(encodeKvKey(fastRef)))?.value;
        return now !== undefined && now.lastCheckedAt !== first.lastCheckedAt;
      });
      assert.equal(
        await kv.get(encodeKvKey(slowRef)),
        null,
        'the other registry keeps the default schedule',
      );
    },
  );
});
