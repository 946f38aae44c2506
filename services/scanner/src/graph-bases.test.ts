import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphBaseRefs, type GraphView } from './graph-bases.js';

const graph: GraphView = {
  nodes: [
    { dockerfile: 'repos/app/Dockerfile', images: [{ name: 'registry.example.com/team/app' }] },
    { dockerfile: 'repos/multi/Dockerfile', images: [{ name: 'registry.example.com/team/multi' }] },
    { dockerfile: 'repos/tool/Dockerfile', images: [{ name: 'registry.example.com/team/tool' }] },
  ],
  edges: [
    {
      to: 'repos/tool/Dockerfile',
      ref: 'registry.example.com/team/app:1',
      kind: 'from',
    },
  ],
  external: [
    { ref: 'docker.io/library/debian:bookworm', dependents: ['repos/app/Dockerfile'] },
    { ref: 'docker.io/library/golang:1.23', dependents: ['repos/multi/Dockerfile'] },
    { ref: 'docker.io/library/alpine:3.20', dependents: ['repos/multi/Dockerfile'] },
  ],
};

describe('graphBaseRefs', () => {
  it('names the one base a Dockerfile is built FROM, internal or external', () => {
    assert.deepEqual(graphBaseRefs(graph, 'registry.example.com/team/app:1'), [
      'docker.io/library/debian:bookworm',
    ]);
    assert.deepEqual(graphBaseRefs(graph, 'registry.example.com/team/tool:2'), [
      'registry.example.com/team/app:1',
    ]);
  });

  it('names none for a multi-stage build or an image no Dockerfile produces', () => {
    assert.deepEqual(graphBaseRefs(graph, 'registry.example.com/team/multi:1'), []);
    assert.deepEqual(graphBaseRefs(graph, 'docker.io/library/nginx:1.27'), []);
  });
});
