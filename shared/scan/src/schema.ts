import { z } from 'zod';

/*
 * The scanners' JSON reports, read leniently: only the fields restack uses
 * are checked, everything else passes through, so a newer scanner that adds
 * fields still parses.
 */

/**
 * One entry of `Results[].Vulnerabilities` in `trivy image --format json`.
 * https://github.com/aquasecurity/trivy/blob/main/pkg/types/vulnerability.go (DetectedVulnerability)
 * https://trivy.dev/latest/docs/configuration/reporting/#json
 */
export const trivyVulnerabilitySchema = z.object({
  VulnerabilityID: z.string().min(1),
  PkgName: z.string().min(1),
  PkgID: z.string().optional(),
  InstalledVersion: z.string().default(''),
  FixedVersion: z.string().optional(),
  Status: z.string().optional(),
  Severity: z.string().default('UNKNOWN'),
  PublishedDate: z.string().optional(),
});

/**
 * The report (SchemaVersion 2): `Results[]` of targets, each with its
 * vulnerabilities; `Trivy.Version` in recent releases.
 * https://github.com/aquasecurity/trivy/blob/main/pkg/types/report.go
 */
export const trivyReportSchema = z.object({
  SchemaVersion: z.number().int().optional(),
  CreatedAt: z.string().optional(),
  ArtifactName: z.string().optional(),
  ArtifactType: z.string().optional(),
  Trivy: z.object({ Version: z.string().optional() }).optional(),
  Results: z
    .array(
      z.object({
        Target: z.string(),
        Class: z.string().optional(),
        Type: z.string().optional(),
        Vulnerabilities: z.array(trivyVulnerabilitySchema).nullish(),
      }),
    )
    .nullish(),
});
export type TrivyReport = z.infer<typeof trivyReportSchema>;

/**
 * `trivy version --format json`: the database's `UpdatedAt` is when Aqua
 * built it; a report alone does not say.
 * https://github.com/aquasecurity/trivy/blob/main/pkg/version/version.go
 * https://github.com/aquasecurity/trivy-db/blob/main/pkg/metadata/metadata.go
 */
export const trivyVersionSchema = z.object({
  Version: z.string().optional(),
  VulnerabilityDB: z
    .object({
      Version: z.number().optional(),
      UpdatedAt: z.string().optional(),
      NextUpdate: z.string().optional(),
      DownloadedAt: z.string().optional(),
    })
    .optional(),
});
export type TrivyVersion = z.infer<typeof trivyVersionSchema>;

/**
 * One entry of `matches[]` in `grype -o json`.
 * https://github.com/anchore/grype/blob/main/grype/presenter/models/match.go
 * https://github.com/anchore/grype/blob/main/grype/presenter/models/vulnerability.go (fix.versions, fix.state)
 */
export const grypeMatchSchema = z.object({
  vulnerability: z.object({
    id: z.string().min(1),
    severity: z.string().default('Unknown'),
    fix: z
      .object({
        versions: z.array(z.string()).nullish(),
        state: z.string().nullish(),
        /** Grype 0.88+ (database v6): when each fixed version became available. */
        available: z
          .array(z.object({ version: z.string().optional(), date: z.string().nullish() }))
          .nullish(),
      })
      .optional(),
  }),
  artifact: z.object({
    name: z.string().min(1),
    version: z.string().default(''),
    type: z.string().optional(),
  }),
});

/**
 * The document: `matches[]` and the `descriptor` naming grype's version and
 * its database: `db.status.built` since database schema v6 (grype 0.88),
 * `db.built` before.
 * https://github.com/anchore/grype/blob/main/grype/presenter/models/document.go
 * https://github.com/anchore/grype/blob/main/grype/db/v6/status.go
 */
export const grypeReportSchema = z.object({
  matches: z.array(grypeMatchSchema),
  descriptor: z
    .object({
      name: z.string().optional(),
      version: z.string().optional(),
      db: z
        .object({
          built: z.string().optional(),
          status: z.object({ built: z.string().optional() }).optional(),
        })
        .nullish(),
    })
    .optional(),
});
export type GrypeReport = z.infer<typeof grypeReportSchema>;
