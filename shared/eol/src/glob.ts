/**
 * Compiles a reference glob: `**` matches anything, `*` anything but `/`,
 * `?` one character but `/`. Everything else is literal, so the dots and
 * colons of a reference need no escaping.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else {
      source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * True when a pattern names a whole repository (nothing after its last `/`
 * looks like a tag or digest): it then matches every tag of it.
 */
export function isRepositoryPattern(pattern: string): boolean {
  const last = pattern.slice(pattern.lastIndexOf('/') + 1);
  return !last.includes(':') && !last.includes('@');
}
