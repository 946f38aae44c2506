import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadCatalog, type Catalog } from '@restack/eol';
import { buildTime } from './age.js';
import { BASELINE_POLICY, effectivePolicies } from './baseline.js';
import { dockerfileFacts } from './dockerfile-facts.js';
import { evaluatePolicies } from './evaluate.js';
import { BASE_NAME_LABEL, type ImageFacts } from './facts.js';
import { policyVersion } from './policy-match.js';
import { policiesSchema, type Policy, type PolicyInput } from './schema.js';
import type { DockerfileSubject, ImageSubject } from './subject.js';

const now = new Date('2025-06-01T00:00:00Z');
let catalog: Catalog;
before(async () => {
  catalog = await loadCatalog();
});

const policies = (...p: PolicyInput[]): Policy[] => policiesSchema.parse(p);

function dockerfile(text: string, extra: Partial<DockerfileSubject> = {}): DockerfileSubject {
  return {
    kind: 'dockerfile',
    file: 'repos/app/Dockerfile',
    repository: 'app',
    images: [],
    facts: dockerfileFacts(text, 'repos/app/Dockerfile'),
    ...extra,
  };
}

function image(facts: Partial<ImageFacts>, extra: Partial<ImageSubject> = {}): ImageSubject {
  const f: ImageFacts = {
    reference: 'registry.example.com/team/app:1',
    digest: `sha256:${'a'.repeat(64)}`,
    created: '2025-05-01T00:00:00Z',
    labels: {},
    diffIds: [],
    user: '1000',
    exposedPorts: [],
    pushedAt: null,
    pushedNote: null,
    configNote: null,
    ...facts,
  };
  return {
    kind: 'image',
    reference: f.reference,
    repository: 'app',
    facts: f,
    failure: null,
    build: buildTime({ created: f.created, firstSeen: null, pushed: null }, now),
    drift: null,
    scan: null,
    dockerfile: null,
    ...extra,
  };
}

const ctx = () => ({ now, catalog });

describe('policy evaluation', () => {
  it('maps each action: deny decides deny, warn and rebuild decide warn, rebuild asks for a rebuild', () => {
    const subject = image({ created: '2025-01-01T00:00:00Z' });
    for (const [action, decision, rebuild] of [
      ['deny', 'deny', false],
      ['warn', 'warn', false],
      ['rebuild', 'warn', true],
    ] as const) {
      const v = evaluatePolicies(
        subject,
        policies({ name: 'age', rules: { maxAgeDays: { days: 30, action } } }),
        ctx(),
      );
      assert.equal(v.decision, decision, action);
      assert.equal(v.rebuild, rebuild, action);
      assert.deepEqual(v.findings[0]?.measured, { value: 151, limit: 30 });
      assert.match(v.findings[0]!.message, /151 days old .*created clock.*limit is 30/);
    }
  });

  it('passes an image younger than its limit and records the policy version and sources', () => {
    const p = policies({
      name: 'age',
      version: 7,
      rules: { maxAgeDays: { days: 60, action: 'deny' } },
    });
    const v = evaluatePolicies(image({}), p, ctx());
    assert.equal(v.decision, 'pass');
    assert.deepEqual(v.policies, [{ name: 'age', version: '7' }]);
    assert.ok(v.sources.some((s) => s.kind === 'build-clock' && /created clock/.test(s.detail)));
    assert.ok(v.sources.some((s) => s.kind === 'clock' && s.detail === now.toISOString()));
  });

  it('hashes a policy without a version, so the verdict still names exactly what ran', () => {
    const [a] = policies({ name: 'p', rules: { noLatest: { action: 'warn' } } });
    const [b] = policies({ name: 'p', rules: { noLatest: { action: 'deny' } } });
    assert.match(policyVersion(a!), /^sha256:[0-9a-f]{12}$/);
    assert.notEqual(policyVersion(a!), policyVersion(b!));
  });

  it('checks a Dockerfile statically: EOL base, latest, root user, port 22, allowed bases', () => {
    const subject = dockerfile(
      ['FROM python:3.8-slim', 'FROM ubuntu', 'USER root', 'EXPOSE 80 22'].join('\n'),
    );
    const v = evaluatePolicies(
      subject,
      policies({
        name: 'static',
        rules: {
          noEndOfLife: { action: 'deny' },
          noLatest: { action: 'warn' },
          nonRootUser: { action: 'warn' },
          noExposedPorts: { action: 'deny' },
          allowedBases: {
            registries: ['registry.example.com'],
            repositories: ['docker.io/library/python'],
            action: 'warn',
          },
          maxAgeDays: { days: 10, action: 'deny' },
        },
      }),
      ctx(),
    );
    const by = (rule: string) =>
      v.findings.filter((f) => f.rule === rule).map((f) => f.location?.line);
    assert.deepEqual(by('noEndOfLife'), [1]);
    assert.deepEqual(by('noLatest'), [2]);
    assert.deepEqual(by('nonRootUser'), [3]);
    assert.deepEqual(by('noExposedPorts'), [4]);
    assert.deepEqual(by('allowedBases'), [2]);
    assert.equal(v.decision, 'deny');
    assert.deepEqual(
      v.notEvaluated.map((n) => n.rule),
      ['maxAgeDays'],
    );
  });

  it('checks an image through its config: root user, port 22, EOL base label, latest, vulnerabilities', () => {
    const subject = image(
      {
        reference: 'docker.io/library/nginx:latest',
        user: '',
        exposedPorts: ['22/tcp'],
        labels: { [BASE_NAME_LABEL]: 'docker.io/library/debian:10' },
      },
      {
        scan: {
          image: 'nginx',
          digest: `sha256:${'a'.repeat(64)}`,
          scanner: 'trivy',
          scannedAt: '2025-05-30T00:00:00Z',
          counts: { critical: 2, high: 1, medium: 0, low: 0, unknown: 0 },
        },
      },
    );
    const v = evaluatePolicies(
      subject,
      policies({
        name: 'img',
        rules: {
          nonRootUser: { action: 'deny' },
          noExposedPorts: { action: 'warn' },
          noEndOfLife: { action: 'warn' },
          noLatest: { action: 'warn' },
          maxVulnerabilities: { critical: 0, high: 5, action: 'rebuild' },
        },
      }),
      ctx(),
    );
    assert.deepEqual(v.findings.map((f) => f.rule).sort(), [
      'maxVulnerabilities',
      'noEndOfLife',
      'noExposedPorts',
      'noLatest',
      'nonRootUser',
    ]);
    assert.match(v.findings.find((f) => f.rule === 'noEndOfLife')!.message, /debian:10 is eol/);
    assert.match(
      v.findings.find((f) => f.rule === 'maxVulnerabilities')!.message,
      /2 critical .*limit 0.*trivy/,
    );
    assert.equal(v.decision, 'deny');
  });

  it('says why a rule was not evaluated rather than guessing', () => {
    const noScan = evaluatePolicies(
      image({}),
      policies({ name: 'v', rules: { maxVulnerabilities: { critical: 0, action: 'deny' } } }),
      ctx(),
    );
    assert.match(noScan.notEvaluated[0]!.reason, /no scan of sha256:a+ exists yet/);
    const unknownAge = image({ created: '1970-01-01T00:00:00Z' });
    const v = evaluatePolicies(
      unknownAge,
      policies({ name: 'a', rules: { maxAgeDays: { days: 1, action: 'deny' } } }),
      ctx(),
    );
    assert.equal(v.decision, 'pass');
    assert.match(v.notEvaluated[0]!.reason, /build time is unknown.*1980-01-02/);
    const unreadable = evaluatePolicies(
      { ...image({}), facts: null, failure: 'registry x is unreachable', build: null },
      policies({
        name: 'u',
        rules: { nonRootUser: { action: 'deny' }, noLatest: { action: 'deny' } },
      }),
      ctx(),
    );
    assert.deepEqual(unreadable.problems, ['registry x is unreachable']);
    assert.match(unreadable.notEvaluated[0]!.reason, /could not be read/);
  });

  it('applies exceptions until the end of their expiry day, then says they expired', () => {
    const rules = { noLatest: { action: 'deny' as const } };
    const exception = {
      rules: ['noLatest' as const],
      images: ['registry.example.com/team/**'],
      expires: '2025-06-01',
      reason: 'OPS-42',
    };
    const subject = image({ reference: 'registry.example.com/team/app:latest' });
    const within = evaluatePolicies(
      subject,
      policies({ name: 'x', rules, exceptions: [exception] }),
      { now: new Date('2025-06-01T23:59:59Z'), catalog },
    );
    assert.equal(within.decision, 'pass');
    assert.deepEqual(within.findings[0]!.waived, { reason: 'OPS-42', expires: '2025-06-01' });
    assert.equal(within.exceptions[0]!.status, 'applied');
    const after = evaluatePolicies(
      subject,
      policies({ name: 'x', rules, exceptions: [exception] }),
      { now: new Date('2025-06-02T00:00:00Z'), catalog },
    );
    assert.equal(after.decision, 'deny');
    assert.equal(after.findings[0]!.waived, null);
    assert.match(
      after.findings[0]!.message,
      /exception expired on 2025-06-01; it no longer applies/,
    );
    assert.equal(after.exceptions[0]!.status, 'expired');
  });

  it('applies a policy only to what its match names (images, repositories, Dockerfiles)', () => {
    const p = policies(
      {
        name: 'team',
        match: { images: ['registry.example.com/team/*'] },
        rules: { noLatest: { action: 'deny' } },
      },
      {
        name: 'repo',
        match: { repositories: ['billing-*'] },
        rules: { noLatest: { action: 'deny' } },
      },
      {
        name: 'path',
        match: { dockerfiles: ['repos/app/**'] },
        rules: { noLatest: { action: 'warn' } },
      },
    );
    const img = evaluatePolicies(
      image({ reference: 'registry.example.com/team/app:latest' }),
      p,
      ctx(),
    );
    assert.deepEqual(
      img.policies.map((x) => x.name),
      ['team'],
    );
    const df = evaluatePolicies(
      dockerfile('FROM alpine\nUSER 1\n', { repository: 'billing-api' }),
      p,
      ctx(),
    );
    assert.deepEqual(
      df.policies.map((x) => x.name),
      ['repo', 'path'],
    );
  });

  it('falls back to the baseline only when no policy is configured', () => {
    assert.deepEqual(effectivePolicies([]), [BASELINE_POLICY]);
    const v = evaluatePolicies(
      dockerfile('FROM python:2.7\nUSER app\n'),
      effectivePolicies([]),
      ctx(),
    );
    assert.equal(v.decision, 'deny');
    assert.deepEqual(v.policies, [{ name: 'restack-baseline', version: '1' }]);
  });

  it('rejects duplicate policy names and unknown rules', () => {
    assert.throws(
      () =>
        policiesSchema.parse([
          { name: 'a', rules: {} },
          { name: 'a', rules: {} },
        ]),
      /unique/,
    );
    assert.throws(() =>
      policiesSchema.parse([{ name: 'a', rules: { maxAge: { days: 1, action: 'deny' } } }]),
    );
    assert.throws(() =>
      policiesSchema.parse([{ name: 'a', rules: { noLatest: { action: 'block' } } }]),
    );
  });
});
