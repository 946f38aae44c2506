import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { defineEndpoint, type Bus } from '@restack/bus';
import { RestackError, isRestackError } from '@restack/core';
import { z } from 'zod';
import { busFixture } from '../harness/nats.js';

const TIMEOUT = 60_000;

const planFor = defineEndpoint({
  subject: 'restack.rpc.graph.plan',
  request: z.object({ ref: z.string().min(1) }),
  response: z.object({ waves: z.array(z.array(z.string())) }),
});

/** The events stream exists, as in production: it must not swallow the request. */
async function fixture(t: TestContext): Promise<{ server: Bus; client: Bus }> {
  const { bus, open } = await busFixture(t);
  return { server: bus, client: await open('dispatcher') };
}

function code(e: unknown): string | undefined {
  return isRestackError(e) ? e.code : undefined;
}

describe('request/reply', () => {
  it(
    'answers a validated query and carries errors back with their code',
    { timeout: TIMEOUT },
    async (t) => {
      const { server, client } = await fixture(t);
      server.serve(planFor, ({ ref }) => {
        if (ref === 'unknown:1') {
          throw new RestackError('GRAPH_UNKNOWN_REF', `${ref} is not in the graph`, { where: ref });
        }
        return { waves: [[`${ref}-child`]] };
      });
      await server.connection.flush();
      assert.deepEqual(await client.request(planFor, { ref: 'debian:bookworm' }), {
        waves: [['debian:bookworm-child']],
      });
      await assert.rejects(client.request(planFor, { ref: 'unknown:1' }), (e) => {
        return code(e) === 'GRAPH_UNKNOWN_REF' && isRestackError(e) && e.where === 'unknown:1';
      });
      // Refused before it leaves the client.
      await assert.rejects(
        client.request(planFor, { ref: '' }),
        (e) => code(e) === 'RPC_INVALID_REQUEST',
      );
    },
  );

  it(
    'refuses a response that breaks the schema and says when nobody answers',
    { timeout: TIMEOUT },
    async (t) => {
      const { server, client } = await fixture(t);
      await assert.rejects(
        client.request(planFor, { ref: 'a' }, 2_000),
        (e) => code(e) === 'RPC_NO_RESPONDERS',
      );
      const responder = server.serve(planFor, () => ({ waves: 'soon' }) as never);
      // The subscription goes out on the server's own connection: make sure it has arrived.
      await server.connection.flush();
      await assert.rejects(
        client.request(planFor, { ref: 'a' }),
        (e) => code(e) === 'RPC_INVALID_RESPONSE',
      );
      await responder.stop();
      await assert.rejects(
        client.request(planFor, { ref: 'a' }, 2_000),
        (e) => code(e) === 'RPC_NO_RESPONDERS',
      );
    },
  );

  it('refuses an endpoint subject the events stream would capture', () => {
    assert.throws(
      () =>
        defineEndpoint({
          subject: 'restack.graph.plan',
          request: z.object({}),
          response: z.object({}),
        }),
      (e: unknown) => code(e) === 'RPC_SUBJECT_INVALID',
    );
  });
});
