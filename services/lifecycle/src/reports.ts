import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TypedKv } from '@restack/bus';
import {
  ageCsv,
  ageMarkdown,
  deprecatedCsv,
  deprecatedMarkdown,
  htmlReport,
  type AgeEntry,
  type DeprecatedEntry,
} from '@restack/lifecycle';
import type { ReportRecord } from './schema.js';

/** Where reports go: the reports bucket (for the gateway), a folder, or both. */
export interface ReportSink {
  write(name: string, contentType: string, body: string, generatedAt: Date): Promise<void>;
}

export function kvReportSink(kv: TypedKv<ReportRecord>): ReportSink {
  return {
    async write(name, contentType, body, generatedAt) {
      await kv.put(name, { name, contentType, body, generatedAt: generatedAt.toISOString() });
    },
  };
}

export function directoryReportSink(dir: string): ReportSink {
  return {
    async write(name, _contentType, body) {
      await mkdir(dir, { recursive: true });
      // Write then rename, so that a reader never sees half a report.
      const file = path.join(dir, name);
      await writeFile(`${file}.tmp`, body);
      await rename(`${file}.tmp`, file);
    },
  };
}

export function bothSinks(...sinks: ReportSink[]): ReportSink {
  return { write: async (...args) => void (await Promise.all(sinks.map((s) => s.write(...args)))) };
}

/** Every report in every format; returns the names written. */
export async function writeReports(
  sink: ReportSink,
  input: { deprecated: DeprecatedEntry[]; age: AgeEntry[]; now: Date },
): Promise<string[]> {
  const { deprecated, age, now } = input;
  const files: Array<[string, string, string]> = [
    ['deprecated.json', 'application/json', `${JSON.stringify(deprecated, null, 2)}\n`],
    ['deprecated.md', 'text/markdown', deprecatedMarkdown(deprecated, now)],
    ['deprecated.csv', 'text/csv', deprecatedCsv(deprecated)],
    ['age.json', 'application/json', `${JSON.stringify(age, null, 2)}\n`],
    ['age.md', 'text/markdown', ageMarkdown(age, now)],
    ['age.csv', 'text/csv', ageCsv(age)],
    [
      'report.html',
      'text/html',
      htmlReport({ title: 'Base image lifecycle', generatedAt: now, age, deprecated }),
    ],
  ];
  for (const [name, type, body] of files) await sink.write(name, type, body, now);
  return files.map(([name]) => name);
}
