import type { IncomingMessage, ServerResponse } from 'node:http';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * A route another service brings (the registry watcher's webhook, the graph
 * service's GitHub push webhook, the admission webhook), so `restack up`
 * serves everything on one port. Webhooks check their own signatures, so
 * the gateway adds no auth unless asked.
 */
export interface MountedRoute {
  method: HttpMethod;
  /** An exact path (`/hooks/registry`) or a prefix ending in `/*` (`/hooks/github/*`). */
  path: string;
  /** Shown in logs and in the route list. */
  name: string;
  /** `bearer` requires the API token, as the gateway's own state-changing calls do. Default `none`. */
  auth?: 'none' | 'bearer';
  /** `body` is the raw request body (webhook signatures are over the exact bytes). */
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> | void;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  body: Buffer;
}

/** One of the gateway's own routes; `path` is the OpenAPI template (`/api/campaigns/{id}`). */
export interface Route {
  method: HttpMethod;
  path: string;
  auth: 'none' | 'bearer';
  handle(ctx: RequestContext): Promise<void> | void;
}

/** Matches `/api/campaigns/{id}` against a path; params are URL-decoded. */
export function matchTemplate(template: string, path: string): Record<string, string> | null {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return null;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

export function matchMount(mount: MountedRoute, path: string): boolean {
  if (mount.path.endsWith('/*')) {
    const prefix = mount.path.slice(0, -1);
    return path.startsWith(prefix) || path === prefix.slice(0, -1);
  }
  return mount.path === path;
}

/** Paths the gateway keeps for itself; a mount may not shadow them. */
export function reservedPath(path: string): boolean {
  return (
    path === '/' ||
    path.startsWith('/api/') ||
    path.startsWith('/assets/') ||
    ['/livez', '/readyz', '/metrics', '/openapi.yaml'].includes(path.replace(/\/\*$/, ''))
  );
}
