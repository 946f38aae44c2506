import { z } from 'zod';

/**
 * The `github:` section of `restack.yaml`. Secrets are never written in the
 * file: it names the environment variable or file that holds them.
 */

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as GITHUB_TOKEN');

export const githubTokenAuthSchema = z
  .object({
    type: z.literal('token'),
    tokenEnv: envName
      .default('GITHUB_TOKEN')
      .describe('Environment variable that holds a personal access token.'),
  })
  .strict();

export const githubAppAuthSchema = z
  .object({
    type: z.literal('app'),
    appId: z
      .union([z.int().positive(), z.string().min(1)])
      .describe('The GitHub App id (or its client id), used as the JWT issuer.'),
    privateKeyPath: z.string().min(1).optional().describe('PEM file with the app private key.'),
    privateKeyEnv: envName.optional().describe('Environment variable holding the PEM key.'),
    installationId: z
      .int()
      .positive()
      .optional()
      .describe('Fixed installation; when absent it is looked up per owner.'),
  })
  .strict()
  .refine((a) => (a.privateKeyPath === undefined) !== (a.privateKeyEnv === undefined), {
    message: 'set exactly one of privateKeyPath or privateKeyEnv',
  });

export const githubRateLimitSchema = z
  .object({
    maxRetries: z.int().min(0).max(10).default(3).describe('Retries after a rate-limit answer.'),
    maxWaitSeconds: z
      .int()
      .min(0)
      .default(900)
      .describe('Give up instead of waiting longer than this for a rate limit to reset.'),
    // https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
    writeIntervalMs: z
      .int()
      .min(0)
      .default(1000)
      .describe('Pause between writes (GitHub asks for one second; 0 for GHES without limits).'),
    notificationIntervalMs: z
      .int()
      .min(0)
      .default(3000)
      .describe('Pause between writes that notify people (pull requests, comments).'),
  })
  .strict();

export const githubPullRequestSchema = z
  .object({
    branchPrefix: z.string().min(1).default('restack/').describe('Prefix of rebuild branches.'),
    labels: z.array(z.string().min(1)).default(['restack']).describe('Labels added to PRs.'),
    reviewers: z.array(z.string().min(1)).default([]).describe('Users asked to review.'),
    teamReviewers: z.array(z.string().min(1)).default([]).describe('Team slugs asked to review.'),
    draft: z.boolean().default(false).describe('Open pull requests as drafts.'),
  })
  .strict();

export const githubConfigSchema = z
  .object({
    baseUrl: z
      .url()
      .default('https://api.github.com')
      .describe('REST API root; https://HOST/api/v3 for GitHub Enterprise Server.'),
    auth: z
      .discriminatedUnion('type', [githubTokenAuthSchema, githubAppAuthSchema])
      .prefault({ type: 'token' }),
    retries: z.int().min(0).max(10).default(3).describe('Retries after a 5xx answer.'),
    rateLimit: githubRateLimitSchema.prefault({}),
    pullRequests: githubPullRequestSchema.prefault({}),
  })
  .strict();

export type GitHubConfigInput = z.input<typeof githubConfigSchema>;
export type GitHubConfig = z.output<typeof githubConfigSchema>;
export type GitHubRateLimitConfig = z.output<typeof githubRateLimitSchema>;
export type GitHubPullRequestConfig = z.output<typeof githubPullRequestSchema>;

/**
 * The fields restack reads from GitHub's answers, checked at the boundary.
 * Shapes follow GitHub's REST description:
 * https://github.com/github/rest-api-description (components/schemas/<name>).
 */

export const repositorySchema = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  private: z.boolean(),
  fork: z.boolean(),
  archived: z.boolean().optional(),
  topics: z.array(z.string()).optional(),
  // Optional in the description of list answers, but always sent; restack needs it.
  default_branch: z.string(),
  html_url: z.string(),
  clone_url: z.string().optional(),
});

export const gitRefSchema = z.object({
  ref: z.string(),
  object: z.object({ sha: z.string(), type: z.string() }),
});

export const gitCommitSchema = z.object({
  sha: z.string(),
  tree: z.object({ sha: z.string() }),
  parents: z.array(z.object({ sha: z.string() })),
  message: z.string(),
});

export const gitTreeSchema = z.object({
  sha: z.string(),
  truncated: z.boolean(),
  tree: z.array(
    z.object({
      path: z.string(),
      mode: z.string(),
      type: z.string(),
      sha: z.string(),
      size: z.number().optional(),
    }),
  ),
});

export const blobSchema = z.object({
  sha: z.string(),
  content: z.string(),
  encoding: z.string(),
});

export const shaSchema = z.object({ sha: z.string() });

export const contentFileSchema = z.object({
  type: z.literal('file'),
  path: z.string(),
  sha: z.string(),
  size: z.number(),
  content: z.string(),
  encoding: z.string(),
});

export const pullRequestSchema = z.object({
  number: z.int(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  title: z.string(),
  body: z.string().nullable(),
  draft: z.boolean().optional(),
  merged_at: z.string().nullable(),
  merge_commit_sha: z.string().nullable(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string(), sha: z.string() }),
  labels: z.array(z.object({ name: z.string() })),
});

export const issueCommentSchema = z.object({
  id: z.number(),
  html_url: z.string(),
  body: z.string().optional(),
});

export const labelSchema = z.object({ name: z.string() });

export const issueSchema = z.object({
  number: z.int(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  title: z.string(),
  body: z.string().nullable().optional(),
  // Labels are objects, or plain names in older payloads.
  labels: z.array(z.union([z.string(), z.object({ name: z.string().optional() })])),
  pull_request: z.unknown().optional(),
});

export const checkRunSchema = z.object({ id: z.number(), html_url: z.string().nullable() });

export const workflowRunSchema = z.object({
  workflow_run_id: z.number(),
  html_url: z.string(),
});

export const installationSchema = z.object({ id: z.number() });

export const installationTokenSchema = z.object({
  token: z.string(),
  expires_at: z.string(),
});
