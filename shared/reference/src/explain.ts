import {
  NAME_TOTAL_LENGTH_MAX,
  anchoredDomainRegexp,
  anchoredPathComponentRegexp,
} from './grammar.js';

/**
 * Turns a reference the grammar rejected into a sentence that says which
 * part is wrong. Only called after parsing failed, so it never decides
 * validity; it only names the first rule the input breaks.
 */
export function explainInvalid(input: string): string {
  const base = 'invalid reference format';
  const at = input.indexOf('@');
  const beforeDigest = at === -1 ? input : input.slice(0, at);
  if (at !== -1) {
    const digest = input.slice(at + 1);
    if (!/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(digest)) {
      return `${base}: digest "${digest}" must be ALGORITHM:HEX with at least 32 hexadecimal characters, e.g. sha256:<64 hex>`;
    }
  }
  const lastSlash = beforeDigest.lastIndexOf('/');
  const colon = beforeDigest.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? beforeDigest : beforeDigest.slice(0, colon);
  if (colon !== -1) {
    const tag = beforeDigest.slice(colon + 1);
    if (tag.length > 128) return `${base}: tag is ${tag.length} characters; the maximum is 128`;
    if (!/^[\w][\w.-]*$/.test(tag)) {
      return `${base}: tag "${tag}" may contain only letters, digits, "_", "." and "-", and must not start with "." or "-"`;
    }
  }
  if (name === '') return `${base}: the repository name is empty`;
  const parts = name.split('/');
  const first = parts[0] ?? '';
  const isDomain =
    parts.length > 1 &&
    (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (isDomain && !anchoredDomainRegexp.test(first)) {
    return `${base}: "${first}" is not a valid registry host[:port]`;
  }
  for (const part of isDomain ? parts.slice(1) : parts) {
    if (!anchoredPathComponentRegexp.test(part)) {
      return `${base}: path component "${part}" must be lower-case letters and digits, separated by ".", "_", "__" or dashes`;
    }
  }
  if (name.length > NAME_TOTAL_LENGTH_MAX) return `${base}: the name is too long`;
  return base;
}
