import type { Identity, RepoState, ServerState } from './state.js';
import { repoKey } from './state.js';

/** What a handler gets: the operation's parameters, already checked against the description. */
export interface RouteContext {
  state: ServerState;
  base: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The JSON body; its shape was validated against the operation before the handler runs. */
  body: Record<string, unknown> | unknown[] | undefined;
  identity: Identity;
  pageSize: number;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (ctx: RouteContext) => Promise<RouteResult>;

const DOCS = 'https://docs.github.com/rest';

/** An answer in GitHub's error shape (basic-error, or validation-error with `errors`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
  ) {
    super(message);
  }

  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      documentation_url: DOCS,
      status: String(this.status),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export function notFound(): HttpError {
  return new HttpError(404, 'Not Found');
}

export function unprocessable(message: string, errors?: unknown[]): HttpError {
  return new HttpError(422, message, errors);
}

/** The repository named by the path, if this identity may see it. */
export function repoOf(ctx: RouteContext): RepoState {
  const repo = ctx.state.repos.get(repoKey(ctx.params.owner ?? '', ctx.params.repo ?? ''));
  if (!repo || !canSee(ctx.identity, repo)) throw notFound();
  return repo;
}

/**
 * Installation tokens reach only their account's repositories; user tokens
 * reach every repository here (the server has no collaborator model).
 */
export function canSee(identity: Identity, repo: RepoState): boolean {
  if (identity.kind === 'user') return true;
  if (identity.kind === 'installation') return identity.account.id === repo.owner.id;
  return false;
}

export function body<T>(ctx: RouteContext): T {
  // Safe: the server validated the body against the operation's schema.
  return (ctx.body ?? {}) as T;
}

/** One page of `items`, with the `link` header Octokit's paginate follows. */
export function page<T>(ctx: RouteContext, path: string, items: T[]): RouteResult {
  const perPage = Math.min(Number(ctx.query.get('per_page') ?? 30) || 30, 100, ctx.pageSize);
  const pageNo = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const links: string[] = [];
  const at = (n: number) => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(n));
    q.set('per_page', String(perPage));
    return `<${ctx.base}${path}?${q.toString()}>`;
  };
  if (pageNo < last) links.push(`${at(pageNo + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (pageNo > 1) links.push(`${at(pageNo - 1)}; rel="prev"`, `${at(1)}; rel="first"`);
  return {
    status: 200,
    body: items.slice((pageNo - 1) * perPage, pageNo * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

export function sortByDate<T extends { createdAt: string; id: number }>(
  items: T[],
  ctx: RouteContext,
): T[] {
  const desc = (ctx.query.get('direction') ?? 'asc') === 'desc';
  const sorted = [...items].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
  return desc ? sorted.reverse() : sorted;
}
