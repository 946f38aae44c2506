import { bumpDockerfile } from '@restack/bump';
import { RestackError } from '@restack/core';
import type { EventData } from '@restack/events';
import type { FileChange, GitHubPort, RepoRef } from '@restack/github';
import { parseReference } from '@restack/reference';
import { bumpsOf, filesOf } from './body.js';

type Request = EventData<'restack.pr.requested'>;

export interface PlannedChange {
  changes: FileChange[];
  /** Matching references bumpDockerfile could not edit, with why. */
  skipped: string[];
}

/**
 * Reads every Dockerfile of the request at `ref` and bumps each reference,
 * touching only digest bytes. Files already at the new digests are left out.
 */
export async function plannedChange(
  github: GitHubPort,
  repo: RepoRef,
  ref: string,
  r: Request,
): Promise<PlannedChange> {
  const changes: FileChange[] = [];
  const skipped: string[] = [];
  for (const path of filesOf(r)) {
    const file = await github.readFile(repo, path, ref);
    if (!file) {
      throw new RestackError(
        'pr.dockerfile-missing',
        `${path} does not exist in ${r.repository} at ${ref}`,
        {
          where: `${r.repository}/${path}`,
          fix: 'refresh the graph: the Dockerfile moved or was deleted',
        },
      );
    }
    const before = Buffer.from(file.content).toString('utf8');
    let text = before;
    for (const b of bumpsOf(r)) {
      const parsed = parseReference(b.ref);
      if (!parsed.ok) continue;
      const result = bumpDockerfile(text, path, {
        changed: parsed.ref,
        digest: b.digest,
        pin: r.pin ?? false,
      });
      text = result.text;
      skipped.push(...result.skipped.map((s) => `${path}:${s.line}: ${s.message}`));
    }
    if (text !== before) changes.push({ path, content: text });
  }
  return { changes, skipped };
}

/** Does the branch already hold exactly these contents? Then a redelivery needs no new commit. */
export async function branchHas(
  github: GitHubPort,
  repo: RepoRef,
  ref: string,
  changes: FileChange[],
): Promise<boolean> {
  for (const c of changes) {
    const file = await github.readFile(repo, c.path, ref);
    if (!file || Buffer.from(file.content).toString('utf8') !== c.content) return false;
  }
  return true;
}
