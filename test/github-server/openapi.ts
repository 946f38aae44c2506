import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { validate, type Schema, type ValidationContext } from './schema-validator.js';

/**
 * GitHub's REST description for api.github.com, as @octokit/openapi ships
 * it. The server routes by its operations and checks every request and
 * response against them, so it cannot drift from the real API.
 */

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
  'x-multi-segment'?: boolean;
}

interface MediaType {
  schema?: Schema;
}

interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, { $ref?: string; content?: Record<string, MediaType> }>;
}

interface Description {
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

export interface MatchedOperation {
  operationId: string;
  method: string;
  template: string;
  params: Record<string, string>;
  operation: Operation;
}

interface IndexedOperation {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  literals: number;
  operation: Operation;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

export interface OpenApi {
  version: string;
  find(method: string, pathname: string): MatchedOperation | undefined;
  /** Problems with the query and body of a request; empty when it conforms. */
  checkRequest(op: MatchedOperation, query: URLSearchParams, body: unknown): string[];
  /** Problems with a response; undocumented error statuses must be GitHub's basic error. */
  checkResponse(op: MatchedOperation, status: number, body: unknown): string[];
}

let cached: OpenApi | undefined;

/** Loaded once per process: the description is 13 MB of JSON. */
export function loadOpenApi(): OpenApi {
  cached ??= build(readDescription());
  return cached;
}

function readDescription(): Description {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Description;
}

function build(doc: Description): OpenApi {
  const resolveRef = (ref: string): Record<string, unknown> => {
    const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(ref) ?? [];
    const target = kind && name ? doc.components[kind]?.[name] : undefined;
    if (!target) throw new Error(`OpenAPI: unresolvable reference ${ref}`);
    return target as Record<string, unknown>;
  };
  const ctx = (direction: ValidationContext['direction']): ValidationContext => ({
    resolve: resolveRef,
    direction,
  });
  const parameters = (op: Operation): Parameter[] =>
    (op.parameters ?? []).map((p) =>
      '$ref' in p ? (resolveRef(p.$ref) as unknown as Parameter) : p,
    );

  const index: IndexedOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const multi = new Set(
        parameters(operation)
          .filter((p) => p.in === 'path' && (p['x-multi-segment'] || p.schema?.['x-multi-segment']))
          .map((p) => p.name),
      );
      const names: string[] = [];
      const source = template
        .split('/')
        .map((segment) =>
          segment.replace(/\{([^}]+)\}|[^{}]+/g, (part, name: string | undefined) => {
            if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
            names.push(name);
            return multi.has(name) ? '(.+)' : '([^/]+)';
          }),
        )
        .join('/');
      const literals = template.split('/').filter((s) => s && !s.includes('{')).length;
      index.push({
        method,
        template,
        pattern: new RegExp(`^${source}$`),
        names,
        literals,
        operation,
      });
    }
  }
  // Literal segments win: `/repos/{o}/{r}/git/refs` before a template with a parameter there.
  index.sort((a, b) => b.literals - a.literals || a.names.length - b.names.length);

  function find(method: string, pathname: string): MatchedOperation | undefined {
    const m = method.toLowerCase();
    for (const entry of index) {
      if (entry.method !== m) continue;
      const match = entry.pattern.exec(pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      entry.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1] ?? '')));
      return {
        operationId: entry.operation.operationId,
        method: m,
        template: entry.template,
        params,
        operation: entry.operation,
      };
    }
    return undefined;
  }

  function checkRequest(op: MatchedOperation, query: URLSearchParams, body: unknown): string[] {
    const errors: string[] = [];
    const declared = parameters(op.operation);
    for (const p of declared.filter((x) => x.in === 'path')) {
      errors.push(...checkParameter(p, op.params[p.name] ?? '', `path ${p.name}`));
    }
    const queryParams = declared.filter((p) => p.in === 'query');
    for (const name of new Set(query.keys())) {
      const p = queryParams.find((x) => x.name === name);
      if (!p) errors.push(`query ${name}: not a parameter of ${op.operationId}`);
      else errors.push(...checkParameter(p, query.get(name) ?? '', `query ${name}`));
    }
    for (const p of queryParams) {
      if (p.required && !query.has(p.name)) errors.push(`query ${p.name}: required`);
    }
    const content = op.operation.requestBody?.content;
    const schema = content?.['application/json']?.schema;
    if (body === undefined) {
      if (op.operation.requestBody?.required) errors.push('body: required');
    } else if (!schema) {
      errors.push(`body: ${op.operationId} takes no JSON body`);
    } else {
      errors.push(...validate(schema, body, ctx('request'), 'body'));
    }
    return errors;
  }

  function checkParameter(p: Parameter, raw: string, label: string): string[] {
    if (!p.schema) return [];
    const type = p.schema.type;
    let value: unknown = raw;
    if (type === 'integer' || type === 'number') value = raw.trim() === '' ? raw : Number(raw);
    if (type === 'boolean') value = raw === 'true' ? true : raw === 'false' ? false : raw;
    return validate(p.schema, value, ctx('request'), label);
  }

  function checkResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const declared = op.operation.responses[String(status)];
    const response = declared?.$ref ? (resolveRef(declared.$ref) as typeof declared) : declared;
    const media =
      response?.content?.['application/json'] ?? Object.values(response?.content ?? {})[0];
    if (media?.schema) return validate(media.schema, body, ctx('response'), 'response');
    // GitHub sends its basic error body with every error, documented or not.
    if (status >= 400) {
      const basic = { $ref: '#/components/schemas/basic-error' };
      return body === undefined ? [] : validate(basic, body, ctx('response'), 'response');
    }
    if (!declared) return [`status ${status} is not a documented answer of ${op.operationId}`];
    return body === undefined ? [] : [`status ${status} of ${op.operationId} has no body`];
  }

  return { version: doc.info.version, find, checkRequest, checkResponse };
}
