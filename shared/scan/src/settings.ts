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
 * restack.yaml `scanner:`: which vulnerability scanner rescans rebuilt
 * images. Base verification and the package inventory run without one.
 */
export const scannerSettingsSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('none') }).strict(),
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
      })
      .strict(),
    z
      .object({
        type: z.literal('grype'),
        binary: z.string().min(1).default('grype').describe('The grype executable.'),
        timeoutMs,
        args,
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
