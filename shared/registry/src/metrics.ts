import { Counter, type Registry as PromRegistry } from 'prom-client';

/** `api` is the Registry API itself; `token` is the token endpoint it sent us to. */
export type RequestKind = 'api' | 'token';

export interface RequestCount {
  kind: RequestKind;
  registry: string;
  method: string;
  /** HTTP status, or `error` / `timeout` when no response came. */
  status: string;
  count: number;
}

export interface RequestFilter {
  kind?: RequestKind;
  registry?: string;
  method?: string;
  status?: string | number;
}

export interface RequestCounter {
  record(kind: RequestKind, registry: string, method: string, status: string): void;
  counts(): RequestCount[];
  total(filter?: RequestFilter): number;
}

const REQUESTS = 'restack_registry_requests_total';
const TOKEN_REQUESTS = 'restack_registry_token_requests_total';

function promCounter(
  registry: PromRegistry,
  name: string,
  help: string,
  labelNames: string[],
): Counter<string> {
  // Several clients may share one Prometheus registry; reuse the metric.
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** In-memory counts (for tests and the benchmark) mirrored to Prometheus when given. */
export function createRequestCounter(prom?: PromRegistry): RequestCounter {
  const counts = new Map<string, RequestCount>();
  const requests =
    prom &&
    promCounter(prom, REQUESTS, 'Requests restack sent to registries, by response status.', [
      'registry',
      'method',
      'status',
    ]);
  const tokens =
    prom &&
    promCounter(prom, TOKEN_REQUESTS, 'Token requests restack sent for registries.', [
      'registry',
      'status',
    ]);

  return {
    record(kind, registry, method, status) {
      const key = `${kind} ${registry} ${method} ${status}`;
      const entry = counts.get(key) ?? { kind, registry, method, status, count: 0 };
      entry.count++;
      counts.set(key, entry);
      if (kind === 'api') requests?.inc({ registry, method, status });
      else tokens?.inc({ registry, status });
    },
    counts: () => [...counts.values()].map((c) => ({ ...c })),
    total(filter = {}) {
      let sum = 0;
      for (const c of counts.values()) {
        if ((filter.kind ?? 'api') !== c.kind) continue;
        if (filter.registry !== undefined && filter.registry !== c.registry) continue;
        if (filter.method !== undefined && filter.method !== c.method) continue;
        if (filter.status !== undefined && String(filter.status) !== c.status) continue;
        sum += c.count;
      }
      return sum;
    },
  };
}
