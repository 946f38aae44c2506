// Static checks of the Helm chart (infra/helm/restack); helm itself is not
// installable here, so the chart is checked without rendering: values.yaml
// against values.schema.json, a Deployment for every service, templates that
// are balanced, reference only values that exist and are YAML once their
// actions are blanked out, hardened pods, and no secret values in defaults.
import assert from 'node:assert/strict';

import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '@restack/config';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../harness/cli.js';
import { services } from '../harness/deploy.js';

const CHART = path.join(repoRoot, 'infra', 'helm', 'restack');

type Values = Record<string, unknown>;
const read = (rel: string) => readFile(path.join(CHART, rel), 'utf8');
const values = async () => parse(await read('values.yaml')) as Values;
const schema = async () => JSON.parse(await read('values.schema.json')) as JsonSchema;

async function templates(): Promise<Map<string, string>> {
  const dir = path.join(CHART, 'templates');
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort())
    out.set(name, await readFile(path.join(dir, name), 'utf8'));
  return out;
}

function at(root: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>(
    (node, k) =>
      node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined,
    root,
  );
}

/**
 * The JSON Schema (draft-07) keywords values.schema.json uses, checked
 * without a validator dependency: type, enum, const, properties, required,
 * additionalProperties, propertyNames, items, contains, pattern, minimum,
 * maximum and local $ref. Another keyword fails the check, so the schema
 * cannot silently grow beyond what is verified here.
 */
type JsonSchema = { [keyword: string]: unknown };
const KNOWN = new Set([
  '$schema', 'title', 'description', 'definitions', '$ref', 'type', 'enum', 'const', 'properties',
  'required', 'additionalProperties', 'propertyNames', 'items', 'contains', 'pattern', 'minimum', 'maximum',
]); // prettier-ignore

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function validateSchema(
  root: JsonSchema,
  value: unknown,
  schema: JsonSchema = root,
  where = '$',
): string[] {
  const errors: string[] = [];
  for (const k of Object.keys(schema))
    if (!KNOWN.has(k)) errors.push(`${where}: schema keyword ${k} is not checked`);
  if (typeof schema.$ref === 'string') {
    const target = at(root, schema.$ref.replace(/^#\//, '').split('/')) as JsonSchema | undefined;
    if (!target) return [`${where}: unresolved $ref ${schema.$ref}`];
    errors.push(...validateSchema(root, value, target, where));
  }
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types = ([] as unknown[]).concat(schema.type);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number')))
      errors.push(`${where}: ${t} is not ${types.join(' or ')}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${where}: not one of ${schema.enum.join(', ')}`);
  if ('const' in schema && schema.const !== value)
    errors.push(`${where}: must be ${String(schema.const)}`);
  if (
    typeof value === 'string' &&
    typeof schema.pattern === 'string' &&
    !new RegExp(schema.pattern, 'u').test(value)
  )
    errors.push(`${where}: "${value}" does not match ${schema.pattern}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      errors.push(`${where}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      errors.push(`${where}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.items)
      value.forEach((item, i) =>
        errors.push(...validateSchema(root, item, schema.items as JsonSchema, `${where}[${i}]`)),
      );
    if (
      schema.contains &&
      !value.some((item) => validateSchema(root, item, schema.contains as JsonSchema).length === 0)
    )
      errors.push(`${where}: contains no matching item`);
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const key of (schema.required ?? []) as string[])
      if (!(key in obj)) errors.push(`${where}: ${key} is required`);
    for (const [key, child] of Object.entries(obj)) {
      if (schema.propertyNames)
        errors.push(
          ...validateSchema(
            root,
            key,
            schema.propertyNames as JsonSchema,
            `${where}.${key} (name)`,
          ),
        );
      const sub = props[key];
      if (sub) errors.push(...validateSchema(root, child, sub, `${where}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${where}.${key}: not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(
          ...validateSchema(
            root,
            child,
            schema.additionalProperties as JsonSchema,
            `${where}.${key}`,
          ),
        );
    }
  }
  return errors;
}

/** ajv (draft-07), when the checkout has it (it comes with eslint); null otherwise. */
async function ajvErrors(schema: JsonSchema, value: unknown): Promise<string[] | null> {
  const name = 'ajv';
  try {
    const mod = (await import(name)) as {
      default: new (o: object) => {
        compile(s: object): ((v: unknown) => boolean) & { errors?: unknown[] };
      };
    };
    const validate = new mod.default({ allErrors: true }).compile(schema);
    return validate(value) ? [] : (validate.errors ?? []).map((e) => JSON.stringify(e));
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw e;
  }
}

/**
 * The template with its actions blanked: of every if/else (and range/with
 * else) one branch is kept, the first or the last, lines that are only actions
 * go, and inline actions become X. What is left must be YAML.
 */
function blank(text: string, keep: 'first' | 'last'): string {
  const out: string[] = [];
  const open: string[][][] = []; // per open block, its branches' lines
  const sink = (): string[] => open.at(-1)?.at(-1) ?? out;
  for (const line of text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '').split('\n')) {
    const only = /^\s*\{\{-?\s*([\s\S]*?)\s*-?\}\}\s*$/.exec(line);
    const action = only?.[1] ?? '';
    if (only && /^(if|range|with|define)\b/.test(action)) open.push([[]]);
    else if (only && /^else\b/.test(action) && open.length > 0) open.at(-1)?.push([]);
    else if (only && /^end\b/.test(action)) {
      const branches = open.pop() ?? [[]];
      sink().push(...((keep === 'first' ? branches[0] : branches.at(-1)) ?? []));
    } else if (!/^\s*(\{\{[^]*?\}\}\s*)+$/.test(line)) {
      sink().push(line.replace(/\{\{[^]*?\}\}/g, 'X'));
    }
  }
  return out.join('\n');
}

describe('Helm chart infra/helm/restack', () => {
  it('has Chart.yaml, values.yaml and values.schema.json that parse', async () => {
    const chart = parse(await read('Chart.yaml')) as Values;
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'restack');
    assert.match(String(chart.version), /^\d+\.\d+\.\d+/);
    assert.equal(typeof (await values()), 'object');
    assert.equal((await schema()).type, 'object');
  });

  it('validates values.yaml against values.schema.json', async (t) => {
    assert.deepEqual(validateSchema(await schema(), await values()), []);
    const ajv = await ajvErrors(await schema(), await values());
    if (ajv === null)
      t.diagnostic('ajv is not installed; checked with the built-in validator only');
    else assert.deepEqual(ajv, []);
  });

  it('has a schema that rejects wrong values', async () => {
    const s = await schema();
    const base = await values();
    const bad = (patch: (v: Values) => void): string[] => {
      const v = structuredClone(base);
      patch(v);
      return validateSchema(s, v);
    };
    const svc = (v: Values) => at(v, ['services', 'graph']) as Values;
    assert.notDeepEqual(
      bad((v) => (svc(v).replicas = 'two')),
      [],
    );
    assert.notDeepEqual(
      bad((v) => (v.unknownSetting = true)),
      [],
    );
    assert.notDeepEqual(
      bad((v) => ((at(v, ['securityContext']) as Values).readOnlyRootFilesystem = false)),
      [],
    );
    assert.notDeepEqual(
      bad((v) => ((at(v, ['podSecurityContext']) as Values).runAsNonRoot = false)),
      [],
    );
    assert.notDeepEqual(
      bad((v) => ((at(v, ['nats']) as Values).image = 'nats:2.12-alpine')),
      [],
    );
    assert.notDeepEqual(
      bad((v) => ((at(v, ['nats']) as Values).streamReplicas = 7)),
      [],
    );
  });

  it('deploys every service as its own Deployment, Service and PodDisruptionBudget', async () => {
    const v = await values();
    const t = await templates();
    const kinds = await services();
    for (const [name, kind] of kinds) {
      const svc = at(v, ['services', name]) as Values | undefined;
      assert.ok(svc, `values.yaml has no services.${name}`);
      // Bus services run by default; a process of its own (the admission webhook) is opt-in.
      assert.equal(svc.enabled, kind === 'bus', name);
      assert.equal(svc.webhook === true, kind === 'process', `${name}: webhook`);
      assert.ok(Number.isInteger(svc.replicas) && (svc.replicas as number) >= 1, name);
    }
    for (const [file, kind] of [
      ['deployments.yaml', 'Deployment'],
      ['services.yaml', 'Service'],
      ['pdb.yaml', 'PodDisruptionBudget'],
      ['networkpolicy.yaml', 'NetworkPolicy'],
    ] as const) {
      const text = t.get(file) ?? '';
      assert.match(
        text,
        /range \$name, \$svc := \.Values\.services/,
        `${file} ranges over services`,
      );
      assert.match(text, new RegExp(`^kind: ${kind}$`, 'm'), file);
    }
    const deployment = t.get('deployments.yaml') ?? '';
    assert.match(deployment, /replicas: \{\{ \$svc\.replicas \}\}/);
    assert.match(
      deployment,
      /args: \["service", \{\{ \$name \| quote \}\}, "--config", "\/etc\/restack\/restack\.yaml"\]/,
    );
    assert.match(deployment, /livenessProbe:\n\s+httpGet: \{ path: \/livez, port: http \}/);
    assert.match(deployment, /readinessProbe:\n\s+httpGet: \{ path: \/readyz, port: http \}/);
    assert.match(
      deployment,
      /readinessProbe:\n\s+httpGet: \{ path: \/healthz, port: https, scheme: HTTPS \}/,
    );
    for (const key of ['podSecurityContext', 'securityContext', '$svc.resources']) {
      assert.ok(
        deployment.includes(`toYaml $.Values.${key}`) || deployment.includes(`toYaml ${key}`),
        key,
      );
    }
  });

  it('has every kind of object the deployment needs', async () => {
    const kinds = new Set(
      [...(await templates()).values()].flatMap((t) =>
        [...t.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]),
      ),
    );
    for (const kind of [
      'ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor',
      'StatefulSet', 'ValidatingWebhookConfiguration', 'Certificate', 'Issuer', 'ServiceAccount',
    ]) assert.ok(kinds.has(kind), kind); // prettier-ignore
  });

  it('has balanced templates that reference only values that exist', async () => {
    const v = await values();
    for (const [file, text] of await templates()) {
      const actions = [...text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)].map((m) => (m[1] ?? '').trim());
      assert.equal(text.split('{{').length, text.split('}}').length, `${file}: unbalanced braces`);
      const opens = actions.filter((a) => /^(if|range|with|define)\b/.test(a)).length;
      const ends = actions.filter((a) => /^end\b/.test(a)).length;
      assert.equal(opens, ends, `${file}: ${opens} blocks opened, ${ends} ended`);
      for (const m of text.matchAll(/\$?\.Values((?:\.[A-Za-z][\w]*)+)/g)) {
        const keys = (m[1] ?? '').slice(1).split('.');
        assert.notEqual(
          at(v, keys),
          undefined,
          `${file}: .Values.${keys.join('.')} is not in values.yaml`,
        );
      }
    }
  });

  it('is YAML once the template actions are blanked out', async () => {
    for (const [file, text] of await templates()) {
      if (!file.endsWith('.yaml')) continue;
      for (const keep of ['first', 'last'] as const) {
        for (const doc of parseAllDocuments(blank(text, keep))) {
          assert.deepEqual(
            doc.errors.map((e) => `${file} (${keep} branches): ${e.message}`),
            [],
          );
        }
      }
    }
  });

  it('runs a three-node JetStream cluster with streams and KV at three replicas', async () => {
    const v = await values();
    const nats = at(v, ['nats']) as Values;
    assert.equal(nats.enabled, true);
    assert.ok((nats.replicas as number) >= 3);
    assert.equal(nats.streamReplicas, 3);
    assert.match(String(nats.image), /@sha256:[0-9a-f]{64}$/);
    const deployment = (await templates()).get('deployments.yaml') ?? '';
    for (const env of [
      'RESTACK_NATS__SERVERS',
      'RESTACK_STREAMS__REPLICAS',
      'RESTACK_NATS__CREDS_FILE',
    ])
      assert.ok(deployment.includes(`name: ${env}`), env);
    // The environment names are real restack.yaml settings.
    const loaded = parseConfig('sources: []\n', 'restack.yaml', {
      RESTACK_NATS__SERVERS: 'nats://restack-nats:4222',
      RESTACK_STREAMS__REPLICAS: '3',
      RESTACK_NATS__CREDS_FILE: '/var/run/restack/nats/creds',
    });
    assert.equal(loaded.config.streams?.replicas, 3);
    assert.equal(loaded.config.nats?.credsFile, '/var/run/restack/nats/creds');
  });

  it('keeps secret values out of the defaults', async () => {
    const found: string[] = [];
    const walk = (node: unknown, trail: string[]) => {
      if (node && typeof node === 'object') {
        for (const [k, child] of Object.entries(node)) walk(child, [...trail, k]);
      } else if (typeof node === 'string' && node !== '') {
        if (/secret|token|password|creds|private|cabundle/i.test(trail.at(-1) ?? ''))
          found.push(trail.join('.'));
      }
    };
    walk(await values(), []);
    assert.deepEqual(found, []);
  });
});
