import type { ImageReference } from '@restack/reference';
import { statusError, type Api } from './api.js';
import { RegistryError } from './failure.js';
import { tagListSchema } from './schema.js';
import { header } from './transport.js';
import { pullScope, v2Path } from './target.js';

const PAGE_SIZE = 1000;
// A repository with more than 100k tags is not one restack should page through unasked.
const MAX_PAGES = 100;

/**
 * Every tag of a repository, following `Link: <...>; rel="next"` pages.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags
 */
export async function listTags(api: Api, ref: ImageReference): Promise<string[]> {
  const registry = api.keyOf(ref.domain);
  const tags: string[] = [];
  let path: string | null = `${v2Path(ref.path, 'tags/list')}?n=${PAGE_SIZE}`;
  for (let page = 0; path !== null && page < MAX_PAGES; page++) {
    const res = await api.request(ref.domain, {
      method: 'GET',
      path,
      scopes: [pullScope(ref.path)],
      subject: ref.name,
    });
    if (res.status !== 200) throw statusError(registry, ref.name, res);
    let json: unknown = null;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      // reported below
    }
    const parsed = tagListSchema.safeParse(json);
    if (!parsed.success) {
      throw new RegistryError(
        'bad-response',
        `registry ${registry} sent a tag list for ${ref.name} that is not {name, tags}`,
        {
          registry,
          subject: ref.name,
        },
      );
    }
    tags.push(...(parsed.data.tags ?? []));
    path = nextPage(header(res, 'link'));
  }
  return tags;
}

/**
 * The target of `rel="next"` in an RFC 8288 Link header, or null. Only a
 * path on the same registry is followed, so credentials never go elsewhere.
 */
export function nextPage(link: string | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2] ?? '')) {
      const target = m[1] ?? '';
      return target.startsWith('/v2/') ? target : null;
    }
  }
  return null;
}
