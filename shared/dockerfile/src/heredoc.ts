import { splitShellWords } from './lex.js';

/**
 * Heredoc markers, found the way BuildKit finds them (heredocsFromLine in
 * parser.go): the instruction is split into shell words keeping quotes and
 * escapes, and a word that is exactly `[fd]<<[-]NAME` opens a heredoc. So
 * `echo "<<EOF"` opens nothing (the word starts with a quote), `3<<EOF` does,
 * and `<<-EOF` lets the closing line be indented with tabs.
 */

export interface Heredoc {
  readonly name: string;
  /** `<<-`: leading tabs are stripped before comparing with the name. */
  readonly chomp: boolean;
}

const MARKER = /^(\d*)<<(-?)([^<]*)$/;

export function findHeredocs(line: string): { heredocs: Heredoc[] } | { error: string } {
  const split = splitShellWords(line, true, true);
  // BuildKit drops the lexing error here and finds no heredoc at all.
  if ('error' in split) return { heredocs: [] };
  const heredocs: Heredoc[] = [];
  for (const word of split.words) {
    const m = MARKER.exec(word);
    const rest = m?.[3];
    if (!m || !rest) continue;
    const name = splitShellWords(rest, false, false);
    if ('error' in name) return { error: `invalid heredoc marker ${word}: ${name.error}` };
    const [only] = name.words;
    if (name.words.length !== 1 || only === undefined) continue;
    heredocs.push({ name: only, chomp: m[2] === '-' });
  }
  return { heredocs };
}
