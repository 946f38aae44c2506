/**
 * A validator for the OpenAPI 3.0 schema objects in GitHub's REST description.
 * It covers every keyword that description uses (type, nullable, properties,
 * required, additionalProperties, items, enum, allOf/anyOf/oneOf, $ref, the
 * length/size/range limits, pattern, format); descriptive keywords
 * (description, example, title, default, deprecated, discriminator, x-*) do
 * not constrain values and are skipped.
 * https://spec.openapis.org/oas/v3.0.3#schema-object
 */

export type Schema = Record<string, unknown>;

export interface ValidationContext {
  /** Resolves a local `#/components/...` reference. */
  resolve(ref: string): Schema;
  /** `readOnly` properties are only required in responses. */
  direction: 'request' | 'response';
}

const FORMATS: Record<string, (v: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
  uri: (v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  },
  email: (v) => /^[^@\s]+@[^@\s]+$/.test(v),
  // Templates such as `https://api.github.com/repos/o/r/issues{/number}`.
  'uri-template': (v) => !/[{}]/.test(v.replace(/\{[^{}]*\}/g, '')),
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Every way `value` breaks `schema`, as `path: problem` lines; empty when valid. */
export function validate(
  schema: Schema,
  value: unknown,
  ctx: ValidationContext,
  path = '$',
): string[] {
  if (typeof schema.$ref === 'string') {
    // In OpenAPI 3.0 a $ref's siblings are ignored.
    return validate(ctx.resolve(schema.$ref), value, ctx, path);
  }
  if (value === null && schema.nullable === true) return [];
  const errors: string[] = [];
  const fail = (problem: string) => errors.push(`${path}: ${problem}`);

  if (typeof schema.type === 'string' && !typeMatches(schema.type, value)) {
    fail(`expected ${schema.type}${schema.nullable ? ' or null' : ''}, got ${describe(value)}`);
    return errors;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    fail(`expected one of ${describe(schema.enum)}, got ${describe(value)}`);
  }
  if (Array.isArray(schema.allOf)) {
    for (const sub of schema.allOf as Schema[]) errors.push(...validate(sub, value, ctx, path));
  }
  if (Array.isArray(schema.anyOf)) {
    const results = (schema.anyOf as Schema[]).map((sub) => validate(sub, value, ctx, path));
    if (!results.some((r) => r.length === 0)) {
      fail(`matches none of anyOf: ${closest(results)}`);
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Schema[]).map((sub) => validate(sub, value, ctx, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (passing === 0) fail(`matches none of oneOf: ${closest(results)}`);
    if (passing > 1) fail(`matches ${passing} alternatives of oneOf, expected exactly one`);
  }
  if (typeof value === 'string') errors.push(...checkString(schema, value, path));
  if (typeof value === 'number') errors.push(...checkNumber(schema, value, path));
  if (Array.isArray(value)) errors.push(...checkArray(schema, value, ctx, path));
  else if (typeOf(value) === 'object') {
    errors.push(...checkObject(schema, value as Record<string, unknown>, ctx, path));
  }
  return errors;
}

/** The alternative that came closest, so a message points at the real problem. */
function closest(results: string[][]): string {
  const best = [...results].sort((a, b) => a.length - b.length)[0] ?? [];
  return best.slice(0, 3).join('; ');
}

function checkString(schema: Schema, value: string, path: string): string[] {
  const errors: string[] = [];
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
    errors.push(`${path}: shorter than ${schema.minLength}`);
  }
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
    errors.push(`${path}: longer than ${schema.maxLength}`);
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
    errors.push(`${path}: does not match ${schema.pattern}`);
  }
  const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
  if (format && !format(value)) errors.push(`${path}: not a valid ${String(schema.format)}`);
  return errors;
}

function checkNumber(schema: Schema, value: number, path: string): string[] {
  const errors: string[] = [];
  if (typeof schema.minimum === 'number' && value < schema.minimum) {
    errors.push(`${path}: below ${schema.minimum}`);
  }
  if (typeof schema.maximum === 'number' && value > schema.maximum) {
    errors.push(`${path}: above ${schema.maximum}`);
  }
  return errors;
}

function checkArray(schema: Schema, value: unknown[], ctx: ValidationContext, path: string) {
  const errors: string[] = [];
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
    errors.push(`${path}: fewer than ${schema.minItems} items`);
  }
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    errors.push(`${path}: more than ${schema.maxItems} items`);
  }
  if (schema.uniqueItems === true) {
    const seen = new Set(value.map((v) => JSON.stringify(v)));
    if (seen.size !== value.length) errors.push(`${path}: items are not unique`);
  }
  if (schema.items && typeof schema.items === 'object') {
    value.forEach((item, i) =>
      errors.push(...validate(schema.items as Schema, item, ctx, `${path}[${i}]`)),
    );
  }
  return errors;
}

function checkObject(
  schema: Schema,
  value: Record<string, unknown>,
  ctx: ValidationContext,
  path: string,
): string[] {
  const errors: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const name of (schema.required ?? []) as string[]) {
    const property = properties[name];
    const readOnly = property !== undefined && resolved(property, ctx).readOnly === true;
    if (!(name in value) && !(readOnly && ctx.direction === 'request')) {
      errors.push(`${path}.${name}: required property is missing`);
    }
  }
  if (
    typeof schema.maxProperties === 'number' &&
    Object.keys(value).length > schema.maxProperties
  ) {
    errors.push(`${path}: more than ${schema.maxProperties} properties`);
  }
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name];
    if (property) {
      // JSON has no undefined; a property set to undefined is simply absent.
      if (item !== undefined) errors.push(...validate(property, item, ctx, `${path}.${name}`));
    } else if (schema.additionalProperties === false) {
      errors.push(`${path}.${name}: property is not allowed here`);
    } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      errors.push(...validate(schema.additionalProperties as Schema, item, ctx, `${path}.${name}`));
    }
  }
  return errors;
}

function resolved(schema: Schema, ctx: ValidationContext): Schema {
  return typeof schema.$ref === 'string' ? ctx.resolve(schema.$ref) : schema;
}
