import type { BusObserver } from '@restack/bus';
import { createMetrics } from '@restack/service';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Counts the events the gateway reads (in) and publishes (out). */
  readonly observer: BusObserver;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

/**
 * HTTP metrics on the given registry (restack up passes its runtime's, so
 * one /metrics covers every service), or on a private one with Node's
 * defaults and restack's event counters.
 */
export function createGatewayMetrics(shared?: {
  registry: Registry;
  observer?: BusObserver;
}): GatewayMetrics {
  const own = shared ? undefined : createMetrics();
  const registry = shared?.registry ?? own!.registry;
  const registers = [registry];
  // Reuse on a shared registry: a second gateway on it must not fail to register.
  const requests =
    (registry.getSingleMetric('restack_http_requests_total') as Counter | undefined) ??
    new Counter({
      name: 'restack_http_requests_total',
      help: 'HTTP requests the gateway answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
  const duration =
    (registry.getSingleMetric('restack_http_request_duration_seconds') as Histogram | undefined) ??
    new Histogram({
      name: 'restack_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  return {
    registry,
    observer: shared?.observer ?? own?.observer ?? {},
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}
