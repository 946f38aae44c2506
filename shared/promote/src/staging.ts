import { RestackError } from '@restack/core';
import { formatReference, parseReference, type ImageReference } from '@restack/reference';
import { stagingTagProblem, type PromoteSettings } from './schema.js';

export interface StagingVars {
  /** The commit built; only its first 12 characters are used. */
  revision: string | null;
  campaignId: string;
}

/** A tag-safe slug: anything outside the tag grammar becomes "-". */
function slug(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '');
}

/**
 * Where a build of `image` goes before promotion, as `host/repo:tag`.
 * Without a revision (a source with no git commit), `{revision}` falls back
 * to the campaign id so that two campaigns never share a staging tag.
 */
export function stagingReference(
  image: { name: string; promote: PromoteSettings },
  vars: StagingVars,
): string {
  return formatReference(stagingTarget(image, vars));
}

/** stagingReference, parsed: its repository (`name`) and `tag`. */
export function stagingTarget(
  image: { name: string; promote: PromoteSettings },
  vars: StagingVars,
): ImageReference & { tag: string } {
  const { promote } = image;
  const repository = promote.stagingRepository ?? image.name;
  const problem = stagingTagProblem(promote.stagingTag);
  if (problem) {
    throw new RestackError('promote.staging-tag', `invalid promote.stagingTag: ${problem}`, {
      where: `images[${image.name}].promote.stagingTag`,
      fix: 'use a template such as "sha-{revision}"',
    });
  }
  const campaign = slug(vars.campaignId);
  const revision = vars.revision ? slug(vars.revision.slice(0, 12)) : campaign;
  const tag = promote.stagingTag
    .replaceAll('{revision}', revision)
    .replaceAll('{campaign}', campaign)
    .slice(0, 128);
  const parsed = parseReference(`${repository}:${tag}`);
  if (!parsed.ok) {
    throw new RestackError(
      'promote.staging-reference',
      `cannot form the staging reference ${repository}:${tag}: ${parsed.error}`,
      {
        where: `images[${image.name}].promote`,
        fix: 'set promote.stagingRepository to a repository name without a tag',
      },
    );
  }
  return { ...parsed.ref, tag };
}
