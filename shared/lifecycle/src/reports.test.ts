import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardIssues, syncDashboards, type DashboardIssuePort } from './dashboard.js';
import type { AgeEntry } from './report-age.js';
import type { DeprecatedEntry } from './report-deprecated.js';
import { ageCsv, csvField, deprecatedCsv, deprecatedMarkdown } from './report-format.js';
import { htmlReport } from './report-html.js';

const now = new Date('2025-06-01T00:00:00Z');
const entry: DeprecatedEntry = {
  dockerfile: 'repos/pay/Dockerfile',
  line: 3,
  ref: 'docker.io/library/python:3.8',
  status: 'eol',
  products: [{ product: 'python', cycle: '3.8', eol: '2024-10-07', daysPastEol: 237 }],
  replacement: null,
  reason: 'python 3.8 reached end of life on 2024-10-07 (237 days ago), "really"',
  repository: 'pay',
  kind: 'from',
  since: '2024-10-07',
  dataDate: '2025-01-21',
};
const age: AgeEntry = {
  image: 'registry.example.com/pay/api:1',
  digest: `sha256:${'b'.repeat(64)}`,
  builtAt: '2025-04-01T00:00:00.000Z',
  clock: 'created',
  ageDays: 61,
  baseDriftDays: 12,
  repository: 'pay',
  dockerfile: 'repos/pay/Dockerfile',
  base: 'docker.io/library/python:3.8',
  baseDigest: null,
  driftClock: 'created',
  notes: [],
};

describe('reports', () => {
  it('quotes CSV fields as RFC 4180 says', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField(null), '');
    const lines = deprecatedCsv([entry]).split('\r\n');
    assert.equal(
      lines[0],
      'dockerfile,line,ref,status,products,since,replacement,reason,repository,dataDate',
    );
    assert.match(
      lines[1]!,
      /^repos\/pay\/Dockerfile,3,docker\.io\/library\/python:3\.8,eol,"python 3\.8 \(end of life 2024-10-07, 237 days ago\)",2024-10-07,,"python 3\.8 .*""really""",pay,2025-01-21$/,
    );
    assert.match(ageCsv([age]).split('\r\n')[1]!, /,created,61,12,/);
  });

  it('lists flagged bases in Markdown with the data date', () => {
    const md = deprecatedMarkdown([entry, { ...entry, status: 'ok', ref: 'debian:12' }], now);
    assert.match(md, /end-of-life data of 2025-01-21/);
    assert.match(
      md,
      /\| eol \| `docker\.io\/library\/python:3\.8` \| repos\/pay\/Dockerfile:3 \| pay \| 2024-10-07 \|/,
    );
    assert.doesNotMatch(md, /debian:12/);
  });

  it('renders one HTML page that needs nothing from outside, with an SVG chart of ages', () => {
    const html = htmlReport({
      title: 'Base <images>',
      generatedAt: now,
      age: [age, { ...age, image: 'x:1', ageDays: null, clock: 'unknown' }],
      deprecated: [entry],
    });
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<style>/);
    assert.match(html, /<svg [^>]*role="img"/);
    assert.match(html, /Base &lt;images&gt;/);
    assert.doesNotMatch(html, /<script|<link|src=|href=|url\(/i);
  });

  it('keeps one dashboard issue per repository, written only when it changes', async () => {
    const issues = new Map<string, { number: number; body: string }>();
    const writes: string[] = [];
    const port: DashboardIssuePort = {
      find: async (repo) => issues.get(repo) ?? null,
      create: async (repo, _title, body) => {
        writes.push(`create ${repo}`);
        issues.set(repo, { number: issues.size + 1, body });
        return { number: issues.size };
      },
      update: async (repo, number, body) => {
        writes.push(`update ${repo}`);
        issues.set(repo, { number, body });
      },
    };
    const first = dashboardIssues([entry], [age], now);
    assert.deepEqual(
      first.map((i) => i.repository),
      ['pay'],
    );
    assert.match(first[0]!.body, /python:3\.8/);
    await syncDashboards(port, first);
    const later = new Date('2025-06-02T00:00:00Z');
    assert.deepEqual(
      (await syncDashboards(port, dashboardIssues([entry], [age], later))).map((r) => r.action),
      ['unchanged'],
    );
    await syncDashboards(port, dashboardIssues([{ ...entry, status: 'deprecated' }], [age], later));
    assert.deepEqual(writes, ['create pay', 'update pay']);
  });
});
