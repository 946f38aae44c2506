import { isSpace } from './chars.js';

/**
 * The word accumulator of BuildKit's shell lexer (wordsStruct in lex.go):
 * unquoted whitespace ends a word, quoted text and escaped characters never
 * do, and a word made only of empty quotes is dropped.
 */
export interface Words {
  readonly words: string[];
  word: string;
  inWord: boolean;
}

export function newWords(): Words {
  return { words: [], word: '', inWord: false };
}

export function addChar(w: Words, ch: string): void {
  if (!isSpace(ch.charCodeAt(0))) return addRaw(w, ch);
  if (w.inWord && w.word.length > 0) {
    w.words.push(w.word);
    w.word = '';
    w.inWord = false;
  }
}

export function addString(w: Words, s: string): void {
  for (const ch of s) addChar(w, ch);
}

export function addRaw(w: Words, s: string): void {
  w.word += s;
  w.inWord = true;
}

export function finishWords(w: Words): string[] {
  if (w.word.length > 0) w.words.push(w.word);
  return w.words;
}
