import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerImages } from './admission-images.js';
import { reviewAdmission, type ImageCheck } from './admission-review.js';
import { admissionSettingsSchema } from './admission-schema.js';
import type { Finding, Verdict } from './evaluate.js';

function verdict(image: string, findings: Array<Pick<Finding, 'action' | 'message'>>): Verdict {
  return {
    subject: { kind: 'image', name: image, repository: null, digest: null },
    decision: findings.some((f) => f.action === 'deny')
      ? 'deny'
      : findings.length
        ? 'warn'
        : 'pass',
    rebuild: false,
    findings: findings.map((f) => ({
      ...f,
      policy: 'p',
      policyVersion: '1',
      rule: 'noLatest',
      ref: image,
      measured: null,
      location: null,
      waived: null,
    })),
    problems: [],
    notEvaluated: [],
    exceptions: [],
    policies: [{ name: 'p', version: '1' }],
    sources: [],
    evaluatedAt: '2025-06-01T00:00:00.000Z',
  };
}

const deployment = (image: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas, template: { spec: { containers: [{ name: 'web', image }] } } },
});

function review(operation: string, object: unknown, oldObject: unknown = null) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: 'web',
      namespace: 'shop',
      operation,
      userInfo: { username: 'admin' },
      object,
      oldObject,
    },
  };
}

const results: Record<string, ImageCheck> = {
  'bad:1': {
    verdict: verdict('bad:1', [{ action: 'deny', message: 'bad:1 is eol' }]),
    unreadable: null,
  },
  'meh:1': {
    verdict: verdict('meh:1', [{ action: 'warn', message: 'meh:1 runs as root' }]),
    unreadable: null,
  },
  'gone:1': { verdict: verdict('gone:1', []), unreadable: 'registry gone.example is unreachable' },
};

function deps(
  failMode: 'open' | 'closed',
  calls: string[] = [],
  check?: (image: string) => Promise<ImageCheck>,
) {
  return {
    settings: admissionSettingsSchema.parse({ failMode, deadlineMs: 100 }),
    check:
      check ??
      (async (image: string) => {
        calls.push(image);
        return results[image] ?? { verdict: verdict(image, []), unreadable: null };
      }),
  };
}

describe('admission review', () => {
  it('denies a new image that violates a deny rule, with the uid and a status message', async () => {
    const out = await reviewAdmission(review('CREATE', deployment('bad:1')), deps('open'));
    assert.ok(out.ok);
    assert.equal(out.review.response.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    assert.equal(out.review.response.allowed, false);
    assert.equal(out.review.response.status?.code, 403);
    assert.match(
      out.review.response.status!.message,
      /Deployment shop\/web: container "web" image bad:1: bad:1 is eol \[p\/noLatest\]/,
    );
  });

  it('lets a scale-up with an unchanged image through without checking it', async () => {
    const calls: string[] = [];
    const out = await reviewAdmission(
      review('UPDATE', deployment('bad:1', 5), deployment('bad:1', 2)),
      deps('closed', calls),
    );
    assert.ok(out.ok);
    assert.equal(out.review.response.allowed, true);
    assert.deepEqual(calls, []);
  });

  it('warns through warnings[] for warn rules and allows', async () => {
    const out = await reviewAdmission(
      review('UPDATE', deployment('meh:1'), deployment('old:1')),
      deps('closed'),
    );
    assert.ok(out.ok);
    assert.deepEqual(out.review.response, {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
      warnings: ['container "web" image meh:1: meh:1 runs as root [p/noLatest]'],
    });
  });

  it('fails open with a warning, or closed with a denial, when an image cannot be read', async () => {
    const open = await reviewAdmission(review('CREATE', deployment('gone:1')), deps('open'));
    assert.ok(open.ok);
    assert.equal(open.review.response.allowed, true);
    assert.match(
      open.review.response.warnings![0]!,
      /could not read it: registry gone\.example is unreachable; allowed \(fail-open\)/,
    );
    const closed = await reviewAdmission(review('CREATE', deployment('gone:1')), deps('closed'));
    assert.ok(closed.ok);
    assert.equal(closed.review.response.allowed, false);
    assert.match(closed.review.response.status!.message, /fail-closed/);
  });

  it('answers by the deadline when a lookup hangs', async () => {
    const never = () => new Promise<ImageCheck>(() => undefined);
    const open = await reviewAdmission(
      review('CREATE', deployment('slow:1')),
      deps('open', [], never),
    );
    assert.ok(open.ok);
    assert.equal(open.review.response.allowed, true);
    assert.match(open.review.response.warnings![0]!, /could not check it within 100 ms/);
    const closed = await reviewAdmission(
      review('CREATE', deployment('slow:1')),
      deps('closed', [], never),
    );
    assert.ok(closed.ok && closed.review.response.allowed === false);
  });

  it('allows DELETE, and rejects what is not an AdmissionReview', async () => {
    const del = await reviewAdmission(review('DELETE', null, deployment('bad:1')), deps('closed'));
    assert.ok(del.ok && del.review.response.allowed);
    const bad = await reviewAdmission(
      { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' },
      deps('open'),
    );
    assert.equal(bad.ok, false);
  });

  it('finds images in every pod-carrying kind, init and ephemeral containers included', () => {
    const spec = {
      containers: [{ name: 'a', image: 'a:1' }],
      initContainers: [{ name: 'i', image: 'i:1' }],
      ephemeralContainers: [{ name: 'e', image: 'e:1' }],
    };
    const images = (kind: string, object: unknown) =>
      containerImages(kind, object).map((c) => `${c.field}:${c.image}`);
    const all = ['containers:a:1', 'initContainers:i:1', 'ephemeralContainers:e:1'];
    assert.deepEqual(images('Pod', { spec }), all);
    for (const kind of [
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'ReplicaSet',
      'ReplicationController',
      'Job',
    ]) {
      assert.deepEqual(images(kind, { spec: { template: { spec } } }), all, kind);
    }
    assert.deepEqual(
      images('CronJob', { spec: { jobTemplate: { spec: { template: { spec } } } } }),
      all,
    );
    assert.deepEqual(images('ConfigMap', { data: {} }), []);
  });
});
