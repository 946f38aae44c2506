import type { ParseResult } from './compose.js';
import { claimsFor, readImageName } from './image-name.js';
import { problem } from './problem.js';
import type { Problem } from './schema.js';

const DIRECTIVE = /^[ \t]*#[ \t]*restack[ \t]*:(.*)$/i;
const FIX = 'write it as # restack: image=NAME[:TAG][,NAME[:TAG]...]';

/**
 * Claims a Dockerfile makes about itself with comment lines:
 *
 *     # restack: image=registry.example.com/team/app:1.2
 *     # restack: image=registry.example.com/team/app:1,registry.example.com/team/app:latest
 *
 * Several lines are allowed and add up; `image=` takes a comma-separated
 * list; a name without a tag means `latest`. The file is the Dockerfile.
 */
export function parseDirectives(text: string, file: string): ParseResult {
  // Most Dockerfiles have no directive: skip the line scan for them.
  if (!/restack[ \t]*:/i.test(text)) return { claims: [], problems: [] };
  const problems: Problem[] = [];
  const images: Array<{ name: string; tag: string; line: number }> = [];
  text.split('\n').forEach((raw, index) => {
    const m = DIRECTIVE.exec(raw.replace(/\r$/, ''));
    if (!m) return;
    const line = index + 1;
    const words = (m[1] ?? '')
      .trim()
      .split(/[ \t]+/)
      .filter(Boolean);
    if (!words.length) {
      problems.push(
        problem('catalog.directive', file, line, 'the restack directive is empty', FIX),
      );
      return;
    }
    for (const word of words) {
      const eq = word.indexOf('=');
      const key = eq > 0 ? word.slice(0, eq).toLowerCase() : word;
      if (key !== 'image') {
        problems.push(
          problem('catalog.directive', file, line, `unknown restack directive "${word}"`, FIX),
        );
        continue;
      }
      for (const item of word.slice(eq + 1).split(',')) {
        const image =
          item === ''
            ? { ok: false as const, error: 'an image name is missing' }
            : readImageName(item);
        if (!image.ok) {
          problems.push(problem('catalog.directive', file, line, image.error, FIX));
          continue;
        }
        images.push({ ...image, line });
      }
    }
  });
  const facts = {
    dockerfile: file,
    buildArgs: {},
    target: null,
    source: 'directive' as const,
    file,
    line: null,
  };
  // Each repository is placed at the first line naming it.
  const claims = claimsFor(facts, images).map((c) => ({
    ...c,
    line: images.find((i) => i.name === c.name)?.line ?? null,
  }));
  return { claims, problems };
}
