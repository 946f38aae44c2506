import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDockerCredentialStore } from '@restack/registry';
import { parseReference, type ImageReference } from '@restack/reference';
import { buildRegistryAuth, engineCredentials } from './credentials.js';
import { baseName, basePin, finalBase, pinDockerfile } from './pin.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function ref(text: string): ImageReference {
  const parsed = parseReference(text);
  assert.ok(parsed.ok);
  return parsed.ref;
}

describe('pinning a Dockerfile to the campaign digests', () => {
  it('pins every FROM and COPY --from of the changed image, and only those', () => {
    const text = [
      'FROM debian:bookworm AS build',
      'RUN make',
      'FROM debian:bookworm-slim',
      'COPY --from=debian:bookworm /etc/os-release /etc/',
      'COPY --from=build /out /out',
      '',
    ].join('\n');
    const pinned = pinDockerfile(text, 'Dockerfile', [{ ref: ref('debian:bookworm'), digest: D1 }]);
    assert.equal(
      pinned.text,
      [
        `FROM debian:bookworm@${D1} AS build`,
        'RUN make',
        'FROM debian:bookworm-slim',
        `COPY --from=debian:bookworm@${D1} /etc/os-release /etc/`,
        'COPY --from=build /out /out',
        '',
      ].join('\n'),
    );
    assert.deepEqual(pinned.skipped, []);
  });

  it('moves an existing pin and applies several pins (the base and a rebuilt parent)', () => {
    const text = `FROM registry.example/app:1@${D1}\nCOPY --from=debian:12 /x /x\n`;
    const pinned = pinDockerfile(text, 'Dockerfile', [
      { ref: ref('debian:12'), digest: D1 },
      { ref: ref('registry.example/app:1'), digest: D2 },
    ]);
    assert.equal(
      pinned.text,
      `FROM registry.example/app:1@${D2}\nCOPY --from=debian:12@${D1} /x /x\n`,
    );
  });

  it('says when a digest comes from a build argument it cannot rewrite', () => {
    const text = 'ARG BASE_DIGEST\nFROM debian:12@${BASE_DIGEST}\n';
    const pinned = pinDockerfile(text, 'Dockerfile', [{ ref: ref('debian:12'), digest: D2 }], {
      BASE_DIGEST: D1,
    });
    assert.equal(pinned.text, text);
    assert.deepEqual(
      pinned.skipped.map((s) => s.line),
      [2],
    );
  });
});

describe('the base an image stands on', () => {
  const text = [
    'FROM golang:1.22 AS build',
    'FROM debian:12 AS runtime',
    'FROM runtime AS final',
    'COPY --from=build /app /app',
    'FROM scratch AS empty',
    '',
  ].join('\n');

  it('follows FROM <stage> chains from the target', () => {
    assert.equal(
      baseName(finalBase(text, 'Dockerfile', { target: 'final' })!),
      'docker.io/library/debian:12',
    );
    assert.equal(
      baseName(finalBase(text, 'Dockerfile', { target: 'build' })!),
      'docker.io/library/golang:1.22',
    );
    assert.equal(finalBase(text, 'Dockerfile'), null, 'the last stage is FROM scratch');
  });

  it('names the pin that applies to it, if any', () => {
    const pins = [
      { ref: ref('golang:1.22'), digest: D1 },
      { ref: ref('debian:12'), digest: D2 },
    ];
    assert.equal(basePin(finalBase(text, 'Dockerfile', { target: 'final' }), pins)?.digest, D2);
    assert.equal(basePin(ref('debian:12-slim'), pins), null);
  });
});

describe('registry credentials for the engine', () => {
  it('come from Docker config.json, keyed as X-Registry-Config expects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'restack-creds-'));
    try {
      const auth = Buffer.from('builder:s3cret').toString('base64');
      await writeFile(
        join(dir, 'config.json'),
        JSON.stringify({
          auths: {
            'registry.example': { auth },
            'https://index.docker.io/v1/': { identitytoken: 'tok' },
          },
        }),
      );
      const credentials = engineCredentials(createDockerCredentialStore({ DOCKER_CONFIG: dir }));
      assert.deepEqual(await credentials('registry.example'), {
        username: 'builder',
        password: 's3cret',
      });
      assert.deepEqual(await credentials('docker.io'), { identityToken: 'tok' });
      assert.equal(await credentials('other.example'), undefined);
      assert.deepEqual(
        await buildRegistryAuth(credentials, ['registry.example', 'docker.io', 'other.example']),
        {
          'registry.example': { username: 'builder', password: 's3cret' },
          'https://index.docker.io/v1/': { identityToken: 'tok' },
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
