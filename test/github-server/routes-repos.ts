import {
  HttpError,
  canSee,
  notFound,
  page,
  repoOf,
  type Route,
  type RouteContext,
} from './route-kit.js';
import { contentFileJson, repoJson } from './shapes.js';
import type { RepoState } from './state.js';

/** Repositories, contents and archives. */

function reposOf(ctx: RouteContext, login: string): RepoState[] {
  return [...ctx.state.repos.values()]
    .filter((r) => r.owner.login.toLowerCase() === login.toLowerCase())
    .filter((r) => canSee(ctx.identity, r) || !r.private)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function byType(repos: RepoState[], type: string): RepoState[] {
  switch (type) {
    case 'public':
      return repos.filter((r) => !r.private);
    case 'private':
      return repos.filter((r) => r.private);
    case 'forks':
      return repos.filter((r) => r.fork);
    case 'sources':
      return repos.filter((r) => !r.fork);
    default:
      return repos;
  }
}

const listForOrg: Route = async (ctx) => {
  const org = ctx.state.accounts.get((ctx.params.org ?? '').toLowerCase());
  if (!org || org.type !== 'Organization') throw notFound();
  const repos = byType(reposOf(ctx, org.login), ctx.query.get('type') ?? 'all');
  return page(
    ctx,
    `/orgs/${org.login}/repos`,
    repos.map((r) => repoJson(ctx.base, r)),
  );
};

const listForUser: Route = async (ctx) => {
  const user = ctx.state.accounts.get((ctx.params.username ?? '').toLowerCase());
  if (!user) throw notFound();
  const repos = byType(reposOf(ctx, user.login), ctx.query.get('type') ?? 'owner');
  return page(
    ctx,
    `/users/${user.login}/repos`,
    repos.map((r) => repoJson(ctx.base, r)),
  );
};

const get: Route = async (ctx) => ({ status: 200, body: repoJson(ctx.base, repoOf(ctx)) });

const getContent: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const ref = ctx.query.get('ref') ?? repo.defaultBranch;
  const commit = await repo.git.resolve(ref, 'commit');
  if (!commit) throw new HttpError(404, `No commit found for the ref ${ref}`);
  const path = (ctx.params.path ?? '').replace(/^\/+|\/+$/g, '');
  const entries = await repo.git.lsTree(commit, true);
  const entry = entries.find((e) => e.path === path);
  if (!entry && path !== '') throw notFound();
  if (!entry || entry.type === 'tree') {
    const prefix = path === '' ? '' : `${path}/`;
    const children = entries.filter(
      (e) => e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/'),
    );
    const listing = children.map((e) =>
      contentFileJson(
        ctx.base,
        repo,
        { path: e.path, sha: e.sha, type: kind(e.type, e.mode) },
        ref,
        undefined,
      ),
    );
    // A directory is listed with sizes only; GitHub omits content there too.
    return { status: 200, body: listing.map((l) => ({ ...l, size: sizeOf(entries, l.path) })) };
  }
  if (entry.type !== 'blob' || entry.mode === '120000') {
    throw new HttpError(501, 'github-server: symlinks and submodules are not served');
  }
  const content = await repo.git.readBlob(entry.sha);
  return {
    status: 200,
    body: contentFileJson(ctx.base, repo, { path, sha: entry.sha, type: 'file' }, ref, content),
  };
};

function kind(type: string, mode: string): string {
  if (type === 'tree') return 'dir';
  if (type === 'commit') return 'submodule';
  return mode === '120000' ? 'symlink' : 'file';
}

function sizeOf(entries: { path: string; size: number | undefined }[], path: string): number {
  return entries.find((e) => e.path === path)?.size ?? 0;
}

const downloadTarball: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const ref = ctx.params.ref ?? repo.defaultBranch;
  const sha = await repo.git.resolve(ref, 'commit');
  if (!sha) throw notFound();
  // GitHub redirects archive downloads to codeload; this server serves them itself.
  const location = `${ctx.base}/_codeload/${repo.owner.login}/${repo.name}/legacy.tar.gz/${sha}`;
  return { status: 302, headers: { location } };
};

export const repoRoutes: Record<string, Route> = {
  'repos/list-for-org': listForOrg,
  'repos/list-for-user': listForUser,
  'repos/get': get,
  'repos/get-content': getContent,
  'repos/download-tarball-archive': downloadTarball,
};
