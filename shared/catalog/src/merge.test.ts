import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeClaims, type Claim } from './index.js';

function claim(over: Partial<Claim>): Claim {
  return {
    dockerfile: '/org/app/Dockerfile',
    name: 'registry.example.com/team/app',
    tags: ['1'],
    buildArgs: {},
    target: null,
    source: 'compose',
    file: '/org/app/compose.yaml',
    line: 3,
    ...over,
  };
}

describe('mergeClaims', () => {
  it('lets restack.yaml win over a discovered claim, naming both files', () => {
    const explicit = [
      {
        dockerfile: '/org/app/Dockerfile',
        name: 'registry.example.com/team/app',
        tags: ['1'],
        file: '/org/restack.yaml',
        line: 7,
      },
    ];
    const discovered = [
      claim({
        dockerfile: '/org/other/Dockerfile',
        file: '/org/other/compose.yaml',
        tags: ['1', '2'],
      }),
    ];
    const { images, conflicts } = mergeClaims(explicit, discovered, { base: '/org' });
    assert.deepEqual(
      images.map((i) => [i.source, i.dockerfile, i.tags]),
      [
        ['config', '/org/app/Dockerfile', ['1']],
        ['compose', '/org/other/Dockerfile', ['2']],
      ],
    );
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0]?.code, 'catalog.conflict');
    assert.equal(conflicts[0]?.file, '/org/other/compose.yaml');
    assert.equal(conflicts[0]?.line, 3);
    assert.equal(
      conflicts[0]?.message,
      'registry.example.com/team/app:1 is given to app/Dockerfile by restack.yaml:7 and to other/Dockerfile by other/compose.yaml:3; restack.yaml wins',
    );
    assert.match(conflicts[0]?.fix ?? '', /remove the tag from other\/compose\.yaml/);
  });

  it('keeps the first discovered claim by source order, then path, whatever the input order', () => {
    const directive = claim({
      source: 'directive',
      dockerfile: '/org/a/Dockerfile',
      file: '/org/a/Dockerfile',
      line: 1,
    });
    const workflow = claim({
      source: 'workflow',
      dockerfile: '/org/b/Dockerfile',
      file: '/org/b/.github/workflows/ci.yml',
      line: 9,
    });
    const bakeZ = claim({
      source: 'bake',
      dockerfile: '/org/z/Dockerfile',
      file: '/org/z/docker-bake.hcl',
      line: 2,
    });
    const bakeC = claim({
      source: 'bake',
      dockerfile: '/org/c/Dockerfile',
      file: '/org/c/docker-bake.hcl',
      line: 2,
    });
    for (const order of [
      [directive, workflow, bakeZ, bakeC],
      [bakeC, bakeZ, workflow, directive],
    ]) {
      const { images, conflicts } = mergeClaims([], order, { base: '/org' });
      assert.deepEqual(
        images.map((i) => i.dockerfile),
        ['/org/c/Dockerfile'],
      );
      assert.deepEqual(
        conflicts.map((c) => c.file),
        ['/org/z/docker-bake.hcl', '/org/b/.github/workflows/ci.yml', '/org/a/Dockerfile'],
      );
      assert.match(conflicts[0]?.message ?? '', /c\/docker-bake\.hcl:2 wins$/);
    }
  });

  it('merges tags of claims for the same Dockerfile and image from several files', () => {
    const { images, conflicts } = mergeClaims(
      [],
      [
        claim({ source: 'directive', tags: ['latest'], file: '/org/app/Dockerfile', line: 1 }),
        claim({ tags: ['1', '1.2'], buildArgs: { A: '1' }, target: 'prod' }),
        claim({
          source: 'workflow',
          tags: ['1.2', '1.2.3'],
          file: '/org/app/.github/workflows/ci.yml',
        }),
      ],
    );
    assert.deepEqual(conflicts, []);
    assert.deepEqual(images, [
      {
        ...claim({ tags: ['1', '1.2', '1.2.3', 'latest'], buildArgs: { A: '1' }, target: 'prod' }),
      },
    ]);
  });

  it('adds discovered tags beside restack.yaml without repeating its own', () => {
    const explicit = [
      { dockerfile: '/org/app/Dockerfile', name: 'registry.example.com/team/app', tags: ['1'] },
    ];
    const { images, conflicts } = mergeClaims(explicit, [claim({ tags: ['1', 'latest'] })]);
    assert.deepEqual(conflicts, []);
    assert.deepEqual(
      images.map((i) => [i.source, i.file, i.tags]),
      [
        ['config', 'restack.yaml', ['1']],
        ['compose', '/org/app/compose.yaml', ['latest']],
      ],
    );
  });

  it('normalises names of restack.yaml so they match discovered ones', () => {
    const explicit = [{ dockerfile: '/org/py/Dockerfile', name: 'python', tags: ['3.12'] }];
    const discovered = [
      claim({
        dockerfile: '/org/other/Dockerfile',
        name: 'docker.io/library/python',
        tags: ['3.12'],
      }),
    ];
    const { images, conflicts } = mergeClaims(explicit, discovered);
    assert.equal(images[0]?.name, 'docker.io/library/python');
    assert.deepEqual(images[0]?.buildArgs, {});
    assert.equal(images[0]?.target, null);
    assert.equal(conflicts.length, 1);
  });

  it('reports two restack.yaml entries giving one tag to two Dockerfiles, keeping both', () => {
    const explicit = [
      { dockerfile: '/org/a/Dockerfile', name: 'x/app', tags: ['1'], line: 3 },
      { dockerfile: '/org/b/Dockerfile', name: 'x/app', tags: ['1', '2'], line: 8 },
    ];
    const { images, conflicts } = mergeClaims(explicit, []);
    assert.equal(images.length, 2);
    assert.deepEqual(images[1]?.tags, ['1', '2']);
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0]?.line, 8);
  });
});
