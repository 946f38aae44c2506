import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { loadCatalog, type Catalog } from '@restack/eol';
import { dockerfileFacts } from './dockerfile-facts.js';
import { evaluatePolicies, type Verdict } from './evaluate.js';
import { toSarif } from './sarif.js';
import { policiesSchema } from './schema.js';

// Compiled to shared/lifecycle/dist: the repository root is three levels up.
const schemaFile = new URL(
  '../../../test/fixtures/lifecycle/sarif-schema-2.1.0.json',
  import.meta.url,
);

function validator() {
  // CommonJS modules: under NodeNext the class is the default export's `default`.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
}

let catalog: Catalog;
before(async () => {
  catalog = await loadCatalog();
});

function verdicts(): Verdict[] {
  const now = new Date('2025-06-01T00:00:00Z');
  const p = policiesSchema.parse([
    {
      name: 'gate',
      version: '3',
      rules: {
        noEndOfLife: { action: 'deny' },
        noLatest: { action: 'warn' },
        nonRootUser: { action: 'rebuild' },
        maxAgeDays: { days: 30, action: 'deny' },
      },
      exceptions: [
        { rules: ['noLatest'], dockerfiles: ['a b/**'], expires: '2025-12-31', reason: 'legacy' },
      ],
    },
  ]);
  const facts = dockerfileFacts('FROM python:3.8\nFROM alpine\n', 'a b/Dockerfile');
  return [
    evaluatePolicies(
      { kind: 'dockerfile', file: 'a b/Dockerfile', repository: null, images: [], facts },
      p,
      { now, catalog },
    ),
  ];
}

describe('SARIF', () => {
  it('is valid SARIF 2.1.0 (the official OASIS schema) with Dockerfile lines as locations', () => {
    const log = toSarif(verdicts(), { toolVersion: '0.1.0', sourceRoot: '/work/org' });
    const validate = validator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const run = (log.runs as Array<Record<string, unknown>>)[0]!;
    const results = run.results as Array<{
      ruleId: string;
      level: string;
      locations: Array<{
        physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
      }>;
      suppressions?: unknown[];
    }>;
    const eol = results.find((r) => r.ruleId === 'noEndOfLife')!;
    assert.equal(eol.level, 'error');
    assert.equal(eol.locations[0]!.physicalLocation.artifactLocation.uri, 'a%20b/Dockerfile');
    assert.equal(eol.locations[0]!.physicalLocation.region.startLine, 1);
    const latest = results.find((r) => r.ruleId === 'noLatest')!;
    assert.equal(latest.locations[0]!.physicalLocation.region.startLine, 2);
    assert.equal(latest.suppressions?.length, 1);
    assert.equal(results.find((r) => r.ruleId === 'nonRootUser')!.level, 'warning');
  });

  it('is still valid with no findings, and when findings have no file', () => {
    const validate = validator();
    assert.ok(validate(toSarif([])), JSON.stringify(validate.errors));
    const v = verdicts()[0]!;
    const imageOnly: Verdict = {
      ...v,
      findings: v.findings.map((f) => ({ ...f, location: null })),
    };
    assert.ok(validate(toSarif([imageOnly])), JSON.stringify(validate.errors));
  });

  it('is rejected by the schema when broken, so the check above means something', () => {
    const validate = validator();
    const log = toSarif(verdicts()) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    log.runs[0]!.results[0]!.level = 'fatal';
    assert.equal(validate(log), false);
  });
});
