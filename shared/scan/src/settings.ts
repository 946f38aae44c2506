import { validate } from 'node-cron';
import { z } from 'zod';
import { createGrypeScanner } from './grype.js';
import { createTrivyScanner } from './trivy.js';
import type { VulnerabilityScanner } from './vulnerability.js';

const timeoutMs = z
  .number()
  .int()
  .positive()
  .default(600_000)
  .describe('How long one scan may take, in milliseconds.');
const args = z
  .array(z.string())
  .default([])
  .describe('More arguments passed to the scanner before the image.');

/**
 * `scanner.rescan`: rescan every catalog image, and every image the
 * admission webhook has seen, on a schedule, so that advisories published
 * after a build are noticed. Cron in UTC.
 */
export const rescanSettingsSchema = z
  .object({
    cron: z
      .string()
      .min(1)
      .default('0 3 * * *')
      .refine((c) => validate(c), {
        message:
          'must be a cron expression: five fields (minute hour day month weekday, UTC) such as "0 3 * * *", or six with seconds first',
      })
      .describe('When to rescan, in UTC. Default daily at 03:00.'),
    enabled: z.boolean().default(true).describe('Set false to keep the schedule but not run it.'),
  })
  .strict()
  .describe(
    'Rescan every catalog image and every image the admission webhook has seen on a schedule; a vulnerability its base already fixes starts a rebuild campaign.',
  );
export type RescanSettings = z.output<typeof rescanSettingsSchema>;

/**
 * restack.yaml `scanner:`: which vulnerability scanner rescans rebuilt
 * images. Base verification and the package inventory run without one.
 */
export const scannerSettingsSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('none'),
        // Accepted only to say clearly why it cannot work: there is nothing to rescan with.
        rescan: z
          .unknown()
          .optional()
          .describe('Not allowed: a rescan schedule needs scanner.type trivy or grype.'),
      })
      .strict()
      .refine((s) => s.rescan === undefined, {
        path: ['rescan'],
        message:
          'a rescan schedule needs a vulnerability scanner: set scanner.type to trivy or grype, or remove scanner.rescan',
      }),
    z
      .object({
        type: z.literal('trivy'),
        binary: z.string().min(1).default('trivy').describe('The trivy executable.'),
        server: z
          .url()
          .optional()
          .describe('A Trivy server to scan against (client/server mode), e.g. http://trivy:4954.'),
        timeoutMs,
        args,
        rescan: rescanSettingsSchema.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal('grype'),
        binary: z.string().min(1).default('grype').describe('The grype executable.'),
        timeoutMs,
        args,
        rescan: rescanSettingsSchema.optional(),
      })
      .strict(),
  ])
  .describe('The vulnerability scanner run on every rebuilt image; `none` by default.');

export type ScannerSettings = z.output<typeof scannerSettingsSchema>;
export type ScannerSettingsInput = z.input<typeof scannerSettingsSchema>;

/** The adapter the settings name, or null for `none`. */
export function createScanner(
  settings: ScannerSettings,
  env: NodeJS.ProcessEnv = process.env,
): VulnerabilityScanner | null {
  switch (settings.type) {
    case 'none':
      return null;
    case 'trivy':
      return createTrivyScanner({
        binary: settings.binary,
        timeoutMs: settings.timeoutMs,
        args: settings.args,
        env,
        ...(settings.server ? { server: settings.server } : {}),
      });
    case 'grype':
      return createGrypeScanner({
        binary: settings.binary,
        timeoutMs: settings.timeoutMs,
        args: settings.args,
        env,
      });
  }
}
