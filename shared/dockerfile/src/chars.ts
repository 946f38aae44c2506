/**
 * Go's unicode.IsSpace, which BuildKit uses to trim lines and split flags.
 * Differs from JavaScript's `\s`: it includes U+0085 and excludes U+FEFF.
 */
export function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** BuildKit's reWhitespace `[\t\v\f\r ]+`: the only separators between FROM's arguments. */
export function isSplitSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c || code === 0x0d;
}

/** Shortens hostile or binary text before it goes into a message. */
export function clip(text: string, max = 60): string {
  let printable = '';
  for (const ch of text.slice(0, max + 1)) {
    const code = ch.charCodeAt(0);
    printable += code < 0x20 || code === 0x7f ? '?' : ch;
  }
  return printable.length > max ? `${printable.slice(0, max)}...` : printable;
}

/** Go's unicode.IsDigit, for shell variable names. */
export function isNameDigit(ch: string): boolean {
  return (ch >= '0' && ch <= '9') || (ch > '\u007f' && /\p{Nd}/u.test(ch));
}

/** Letters, digits and `_`: what a shell variable name is made of (unicode.IsLetter). */
export function isNameChar(ch: string): boolean {
  if (ch < '\u0080') {
    return (
      (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '_'
    );
  }
  return /[\p{L}\p{Nd}]/u.test(ch);
}
