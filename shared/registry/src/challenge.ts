export interface Challenge {
  /** Lower-case scheme: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` (RFC 7235 section 4.1), including several
 * challenges in one header: `Bearer realm="https://auth.docker.io/token",
 * service="registry.docker.io",scope="repository:library/debian:pull"`.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const s = header;
  let i = 0;
  let current: Challenge | null = null;
  const skip = (re: RegExp) => {
    while (i < s.length && re.test(s[i] ?? '')) i++;
  };
  while (i < s.length) {
    skip(/[\s,]/);
    const tokenMatch = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(s.slice(i));
    if (!tokenMatch) break;
    const token = tokenMatch[0];
    i += token.length;
    skip(/[ \t]/);
    if (s[i] === '=' && current !== null && !/^=+\s*(,|$)/.test(s.slice(i))) {
      // auth-param: name = token / quoted-string
      i++;
      skip(/[ \t]/);
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        const m = /^[^\s,]*/.exec(s.slice(i));
        value = m?.[0] ?? '';
        i += value.length;
      }
      current.params[token.toLowerCase()] = value;
    } else if (s[i] === '=' && current !== null) {
      // token68 (e.g. base64) belongs to the current challenge; keep it whole.
      const m = /^=+/.exec(s.slice(i));
      i += m?.[0].length ?? 0;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}
