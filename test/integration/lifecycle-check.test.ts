import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, runCli } from '../harness/cli.js';
import { pushImage } from '../harness/images.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const TIMEOUT = { timeout: 120_000 };
const ORG = path.join(repoRoot, 'test/fixtures/lifecycle/org');

interface Verdict {
  subject: { name: string };
  decision: string;
  rebuild: boolean;
  findings: Array<{
    rule: string;
    action: string;
    message: string;
    policy: string;
    policyVersion: string;
    waived: unknown;
    location: { line: number | null } | null;
  }>;
  problems: string[];
  notEvaluated: Array<{ rule: string; reason: string }>;
  exceptions: Array<{ status: string; expires: string }>;
  policies: Array<{ name: string; version: string }>;
  sources: Array<{ kind: string; detail: string }>;
}

function parse(stdout: string): { decision: string; verdicts: Verdict[] } {
  return JSON.parse(stdout) as { decision: string; verdicts: Verdict[] };
}

/** The official SARIF 2.1.0 schema (draft-04), with ajv from @restack/lifecycle's dev dependencies. */
function sarifValidator() {
  const require = createRequire(path.join(repoRoot, 'shared/lifecycle/package.json'));
  const Ajv = require('ajv-draft-04') as new (o: object) => {
    compile(s: unknown): ((d: unknown) => boolean) & { errors?: unknown };
  };
  const addFormats = require('ajv-formats') as (ajv: unknown) => void;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(
    JSON.parse(
      readFileSync(path.join(repoRoot, 'test/fixtures/lifecycle/sarif-schema-2.1.0.json'), 'utf8'),
    ),
  );
}

describe('restack check on Dockerfiles (static)', () => {
  const config = path.join(ORG, 'restack.yaml');

  it(
    'exits 1 when a deny rule fires, 0 when only warnings remain, and names the policy and its version',
    TIMEOUT,
    async () => {
      const denied = await runCli([
        'check',
        '--config',
        config,
        '--dockerfile',
        path.join(ORG, 'repos/payments/Dockerfile'),
        '--format',
        'json',
        '--now',
        '2025-06-01',
      ]);
      assert.equal(denied.code, 1, denied.stderr);
      const v = parse(denied.stdout).verdicts[0]!;
      assert.equal(v.subject.name, 'repos/payments/Dockerfile');
      assert.deepEqual(v.policies, [{ name: 'production', version: '2025.1' }]);
      const eol = v.findings.find((f) => f.rule === 'noEndOfLife')!;
      assert.deepEqual([eol.action, eol.location?.line, eol.policyVersion], ['deny', 2, '2025.1']);
      assert.ok(v.sources.some((s) => s.kind === 'eol-catalog'));
      assert.ok(v.sources.some((s) => s.kind === 'config' && s.detail.endsWith('restack.yaml')));

      const clean = await runCli([
        'check',
        '--config',
        config,
        '--dockerfile',
        path.join(ORG, 'repos/web/Dockerfile.clean'),
        '--now',
        '2025-06-01',
      ]);
      assert.equal(clean.code, 0, clean.stdout);
      assert.match(clean.stdout, /^PASS {2}repos\/web\/Dockerfile\.clean/m);
    },
  );

  it(
    'honours an exception until its expiry day, then denies and says it expired',
    TIMEOUT,
    async () => {
      const legacy = path.join(ORG, 'repos/legacy/Dockerfile');
      const run = (now: string) =>
        runCli([
          'check',
          '--config',
          config,
          '--dockerfile',
          legacy,
          '--format',
          'json',
          '--now',
          now,
        ]);
      const port22 = (v: Verdict) => v.findings.find((f) => f.rule === 'noExposedPorts')!;
      const within = parse((await run('2025-06-30')).stdout).verdicts[0]!;
      assert.ok(port22(within).waived);
      assert.equal(within.exceptions[0]!.status, 'applied');
      const expired = parse((await run('2025-07-01')).stdout).verdicts[0]!;
      assert.equal(port22(expired).waived, null);
      assert.match(
        port22(expired).message,
        /exception expired on 2025-06-30; it no longer applies/,
      );
      assert.equal(expired.exceptions[0]!.status, 'expired');
    },
  );

  it(
    'writes SARIF 2.1.0 that the official schema accepts, located at Dockerfile lines',
    TIMEOUT,
    async () => {
      const r = await runCli([
        'check',
        '--config',
        config,
        '--format',
        'sarif',
        '--now',
        '2025-06-01',
      ]);
      assert.equal(r.code, 1, r.stderr);
      const log = JSON.parse(r.stdout) as {
        runs: Array<{
          results: Array<{
            ruleId: string;
            level: string;
            locations: Array<{
              physicalLocation: {
                artifactLocation: { uri: string };
                region?: { startLine: number };
              };
            }>;
          }>;
        }>;
      };
      const validate = sarifValidator();
      assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
      const where = log.runs[0]!.results.map(
        (x) =>
          `${x.ruleId}@${x.locations[0]!.physicalLocation.artifactLocation.uri}:${x.locations[0]!.physicalLocation.region?.startLine}`,
      );
      assert.ok(where.includes('noEndOfLife@repos/payments/Dockerfile:2'), where.join('\n'));
      assert.ok(where.includes('noExposedPorts@repos/legacy/Dockerfile:2'), where.join('\n'));
      assert.ok(where.includes('nonRootUser@repos/legacy/tools.Dockerfile:2'), where.join('\n'));
    },
  );

  it('uses the baseline policy without a config, and prints Markdown', TIMEOUT, async () => {
    const r = await runCli([
      'check',
      '--dockerfile',
      path.join(ORG, 'repos/web/Dockerfile'),
      '--format',
      'markdown',
      '--now',
      '2025-06-01',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^# restack check: deny/);
    assert.match(r.stdout, /restack-baseline@1/);
  });

  it('exits 2 for usage errors and unreadable input', TIMEOUT, async () => {
    assert.equal((await runCli(['check'])).code, 2);
    assert.equal(
      (await runCli(['check', '--dockerfile', path.join(ORG, 'nope/Dockerfile')])).code,
      2,
    );
    assert.equal((await runCli(['check', '--config', config, '--format', 'xml'])).code, 2);
  });
});

describe('restack check on images (registry config)', () => {
  let registry: TestRegistry;
  let dir: string;
  let config: string;
  let good = '';
  before(async () => {
    registry = await startRegistry();
    const { url, host } = registry;
    const layer = { files: { 'etc/os-release': 'ID=test\n' } };
    good = (
      await pushImage(url, 'team/good', '1', {
        layers: [layer],
        config: { created: '2025-05-20T00:00:00Z', user: '10001' },
      })
    ).digest;
    await pushImage(url, 'team/old', '1', {
      layers: [layer],
      config: { created: '2024-01-01T00:00:00Z', user: '10001' },
    });
    await pushImage(url, 'team/root', '1', {
      layers: [layer],
      config: { created: '2025-05-20T00:00:00Z' },
    });
    await pushImage(url, 'team/ssh', '1', {
      layers: [layer],
      config: {
        created: '2025-05-20T00:00:00Z',
        user: '10001',
        exposedPorts: ['22/tcp', '8080/tcp'],
      },
    });
    await pushImage(url, 'team/legacy', '1', {
      layers: [layer],
      config: { created: '2025-05-20T00:00:00Z', user: '10001', exposedPorts: ['22/tcp'] },
    });
    await pushImage(url, 'team/repro', '1', {
      layers: [layer],
      config: { created: '1970-01-01T00:00:00Z', user: '10001' },
    });
    dir = await mkdtemp(path.join(tmpdir(), 'restack-check-'));
    config = path.join(dir, 'restack.yaml');
    await writeFile(
      config,
      [
        `registries: { '${host}': { insecure: true } }`,
        'policies:',
        '  - name: images',
        '    version: 3',
        `    match: { images: ['${host}/team/**'] }`,
        '    rules:',
        '      maxAgeDays: { days: 90, action: deny }',
        '      nonRootUser: { action: warn }',
        '      noExposedPorts: { action: deny }',
        '      maxVulnerabilities: { critical: 0, high: 10, action: rebuild }',
        '      maxDaysSinceFix: { days: 14, severities: [critical], action: deny }',
        '    exceptions:',
        `      - { rules: [noExposedPorts], images: ['${host}/team/legacy'], expires: '2025-06-30', reason: bastion }`,
      ].join('\n'),
    );
  });
  after(async () => {
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const check = (image: string, ...extra: string[]) =>
    runCli([
      'check',
      '--config',
      config,
      '--image',
      `${registry.host}/team/${image}`,
      '--format',
      'json',
      '--now',
      '2025-06-01',
      ...extra,
    ]);

  it(
    'passes a young non-root image and records the registry digest as a source',
    TIMEOUT,
    async () => {
      const r = await check('good:1');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const v = parse(r.stdout).verdicts[0]!;
      assert.equal(v.decision, 'pass');
      assert.ok(v.sources.some((s) => s.kind === 'registry' && s.detail.endsWith(`@${good}`)));
      assert.ok(v.sources.some((s) => s.kind === 'build-clock' && /created clock/.test(s.detail)));
    },
  );

  it(
    'denies an image older than its limit (exit 1), from its config created time',
    TIMEOUT,
    async () => {
      const r = await check('old:1');
      assert.equal(r.code, 1);
      assert.match(
        parse(r.stdout).verdicts[0]!.findings[0]!.message,
        /is 517 days old \(built 2024-01-01T00:00:00\.000Z, created clock\); the limit is 90/,
      );
    },
  );

  it('warns for a root user (exit 0) and denies port 22 (exit 1)', TIMEOUT, async () => {
    const root = await check('root:1');
    assert.equal(root.code, 0);
    const v = parse(root.stdout).verdicts[0]!;
    assert.deepEqual([v.decision, v.findings[0]!.rule], ['warn', 'nonRootUser']);
    const ssh = await check('ssh:1');
    assert.equal(ssh.code, 1);
    assert.match(
      parse(ssh.stdout).verdicts[0]!.findings[0]!.message,
      /port 22 is exposed \(22\/tcp\)/,
    );
  });

  it('lets an excepted image through until the exception expires', TIMEOUT, async () => {
    assert.equal((await check('legacy:1')).code, 0);
    assert.equal((await check('legacy:1', '--now', '2025-07-01')).code, 1);
  });

  it(
    'asks for a rebuild when a scan has too many vulnerabilities, and skips the rule without a scan',
    TIMEOUT,
    async () => {
      const none = parse((await check('good:1')).stdout).verdicts[0]!;
      assert.match(
        none.notEvaluated.find((n) => n.rule === 'maxVulnerabilities')!.reason,
        /no scan of sha256:/,
      );
      const scan = path.join(dir, 'scan.json');
      await writeFile(
        scan,
        JSON.stringify({
          image: 'good',
          digest: good,
          scanner: 'grype',
          scannedAt: '2025-05-30T00:00:00Z',
          counts: { critical: 1, high: 2, medium: 0, low: 0, unknown: 0 },
        }),
      );
      const r = await check('good:1', '--scan', scan);
      assert.equal(r.code, 0);
      const v = parse(r.stdout).verdicts[0]!;
      assert.deepEqual(
        [v.decision, v.rebuild, v.findings[0]!.rule],
        ['warn', true, 'maxVulnerabilities'],
      );
    },
  );

  it(
    'denies an image whose critical finding has had a fix for longer than the policy allows',
    TIMEOUT,
    async () => {
      const scan = path.join(dir, 'scan-fixes.json');
      const summary = {
        image: 'good',
        digest: good,
        scanner: 'grype',
        scannedAt: '2025-05-30T00:00:00Z',
        counts: { critical: 0, high: 1, medium: 0, low: 0, unknown: 0 },
        fixes: [
          // A high finding is outside the rule's severities, however old its fix.
          {
            id: 'CVE-2025-1',
            package: 'openssl',
            severity: 'high',
            fixSince: '2025-01-01T00:00:00Z',
          },
          {
            id: 'CVE-2025-2',
            package: 'zlib',
            severity: 'critical',
            fixSince: '2025-05-25T00:00:00Z',
          },
        ],
      };
      await writeFile(scan, JSON.stringify(summary));
      const young = parse((await check('good:1', '--scan', scan)).stdout).verdicts[0]!;
      assert.equal(young.decision, 'pass', 'a 7-day-old fix is within 14 days');
      assert.ok(!young.notEvaluated.some((n) => n.rule === 'maxDaysSinceFix'));
      summary.fixes[1]!.fixSince = '2025-05-01T00:00:00Z';
      await writeFile(scan, JSON.stringify(summary));
      const r = await check('good:1', '--scan', scan);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const v = parse(r.stdout).verdicts[0]!;
      assert.equal(v.decision, 'deny');
      assert.deepEqual(
        v.findings.map((f) => [f.rule, f.message]),
        [
          [
            'maxDaysSinceFix',
            'CVE-2025-2 (critical) in zlib has had a fix for 31 days (since 2025-05-01T00:00:00Z); the limit is 14',
          ],
        ],
      );
    },
  );

  it('does not guess the age of a reproducible build in a one-shot run', TIMEOUT, async () => {
    const r = await check('repro:1');
    assert.equal(r.code, 0);
    const reason = parse(r.stdout).verdicts[0]!.notEvaluated.find(
      (n) => n.rule === 'maxAgeDays',
    )!.reason;
    assert.match(
      reason,
      /before 1980-01-02.*first-seen is not available in a one-shot run.*no push time/,
    );
  });

  it('exits 2 when the registry cannot be reached', TIMEOUT, async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const offline = path.join(dir, 'offline.yaml');
    await writeFile(
      offline,
      `registries: { '127.0.0.1:${port}': { insecure: true, retries: 0, timeoutMs: 2000 } }\n`,
    );
    const r = await runCli([
      'check',
      '--config',
      offline,
      '--image',
      `127.0.0.1:${port}/team/x:1`,
      '--format',
      'json',
    ]);
    assert.equal(r.code, 2);
    assert.match(parse(r.stdout).verdicts[0]!.problems[0]!, /127\.0\.0\.1/);
  });
});
