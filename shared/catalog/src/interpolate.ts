/**
 * Variable interpolation, deterministic: values come from the files
 * themselves (Compose `.env`, Bake variable defaults), never from the
 * environment of the process reading them.
 */

export type Interpolated = { ok: true; value: string } | { ok: false; reason: string };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Compose interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?err}`, `${VAR?err}`, nested defaults, `$$`.
 * A variable that is not set and has no default is unresolved.
 * @see https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md
 */
export function interpolateCompose(text: string, vars: ReadonlyMap<string, string>): Interpolated {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1] ?? '';
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (NAME_START.test(next)) {
      let end = i + 1;
      while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
      const name = text.slice(i + 1, end);
      const value = vars.get(name);
      if (value === undefined) return unresolved(name);
      out += value;
      i = end;
    } else if (next === '{') {
      const close = matchingBrace(text, i + 2);
      if (close < 0) return { ok: false, reason: `"${text}" has an unclosed "\${"` };
      const braced = evaluateBraced(text.slice(i + 2, close), vars);
      if (!braced.ok) return braced;
      out += braced.value;
      i = close + 1;
    } else {
      return {
        ok: false,
        reason: `"${text}" has a "$" that starts no variable; write "$$" for a literal "$"`,
      };
    }
  }
  return { ok: true, value: out };
}

function evaluateBraced(body: string, vars: ReadonlyMap<string, string>): Interpolated {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(body);
  if (!m) return { ok: false, reason: `"\${${body}}" is not a valid variable reference` };
  const [, name = '', op, operand = ''] = m;
  const value = vars.get(name);
  const unset = value === undefined;
  const empty = unset || value === '';
  switch (op) {
    case undefined:
      return unset ? unresolved(name) : { ok: true, value };
    case ':-':
      return empty ? interpolateCompose(operand, vars) : { ok: true, value: value! };
    case '-':
      return unset ? interpolateCompose(operand, vars) : { ok: true, value };
    case ':+':
      return empty ? { ok: true, value: '' } : interpolateCompose(operand, vars);
    case '+':
      return unset ? { ok: true, value: '' } : interpolateCompose(operand, vars);
    default:
      // `:?` and `?` make Compose fail when the variable is missing.
      if (op === ':?' ? empty : unset) {
        return { ok: false, reason: `variable ${name} is required (${operand || 'no message'})` };
      }
      return { ok: true, value: value! };
  }
}

function unresolved(name: string): Interpolated {
  return { ok: false, reason: `variable ${name} is not set and has no default` };
}

/** Index of the `}` closing a `${` whose body starts at `start`, allowing nested `${...}`. */
function matchingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** A Bake value: HCL gives strings, null, or lists (a variable default may be a list). */
export type BakeValue = string | null | string[];

/** A variable whose own value could not be evaluated (already reported). */
export const UNKNOWN: unique symbol = Symbol('unknown');

/** A variable's value, undefined when no such variable exists. */
export type BakeLookup = (name: string) => BakeValue | typeof UNKNOWN | undefined;

export type BakeEvaluated =
  | { ok: true; value: BakeValue }
  | { ok: false; kind: 'expression' | 'variable' | 'unknown'; reason: string };

/**
 * Evaluates an HCL string template as Bake does, with variables only:
 * `${NAME}` is replaced, `$${` and `%%{` are escapes; functions, conditionals,
 * references to other targets and `%{` directives are not evaluated.
 * A template that is exactly `${NAME}` yields the variable's value as is
 * (null or a list included), as HCL does.
 * @see https://developer.hashicorp.com/terraform/language/expressions/strings#interpolation
 */
export function evaluateBake(text: string, lookup: BakeLookup): BakeEvaluated {
  const whole = /^\$\{~?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*~?\}$/.exec(text);
  if (whole) return variable(whole[1]!, lookup);
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
      out += text[i + 1] + '{';
      i += 3;
    } else if (text.startsWith('%{', i)) {
      return expression(text, 'template directives (%{ ... }) are not evaluated');
    } else if (text.startsWith('${', i)) {
      const close = hclClose(text, i + 2);
      if (close < 0) return expression(text, 'the interpolation is not closed');
      const expr = text
        .slice(i + 2, close)
        .replace(/^~/, '')
        .replace(/~$/, '')
        .trim();
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(expr)) {
        return expression(text, `"${expr}" is an expression; only variables are evaluated`);
      }
      const value = variable(expr, lookup);
      if (!value.ok) return value;
      if (value.value === null || Array.isArray(value.value)) {
        return expression(text, `variable ${expr} is ${value.value === null ? 'null' : 'a list'}`);
      }
      out += value.value;
      i = close + 1;
    } else {
      out += text[i];
      i++;
    }
  }
  return { ok: true, value: out };
}

function variable(name: string, lookup: BakeLookup): BakeEvaluated {
  const value = lookup(name);
  if (value === undefined) {
    return { ok: false, kind: 'variable', reason: `variable ${name} is not defined` };
  }
  if (value === UNKNOWN) {
    return { ok: false, kind: 'unknown', reason: `variable ${name} could not be evaluated` };
  }
  return { ok: true, value };
}

function expression(text: string, reason: string): BakeEvaluated {
  return { ok: false, kind: 'expression', reason: `"${text}": ${reason}` };
}

/** The `}` closing an HCL interpolation, skipping braces inside quoted strings. */
function hclClose(text: string, start: number): number {
  let depth = 1;
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}
