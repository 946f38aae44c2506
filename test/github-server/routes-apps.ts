import { newToken } from './auth.js';
import { notFound, type Route, type RouteContext } from './route-kit.js';
import { installationJson } from './shapes-pulls.js';
import { repoKey, type InstallationState } from './state.js';

/** GitHub App installations and installation access tokens (JWT only). */

const TOKEN_LIFETIME_MS = 60 * 60_000;

function appId(ctx: RouteContext): number {
  return ctx.identity.kind === 'app' ? ctx.identity.appId : -1;
}

function installationFor(ctx: RouteContext, login: string, type?: string): InstallationState {
  const found = [...ctx.state.installations.values()].find(
    (i) =>
      i.appId === appId(ctx) &&
      i.account.login.toLowerCase() === login.toLowerCase() &&
      (type === undefined || i.account.type === type),
  );
  if (!found) throw notFound();
  return found;
}

function answer(ctx: RouteContext, installation: InstallationState) {
  const app = ctx.state.apps.get(installation.appId);
  if (!app) throw notFound();
  return { status: 200, body: installationJson(ctx.base, installation, app) };
}

const orgInstallation: Route = async (ctx) =>
  answer(ctx, installationFor(ctx, ctx.params.org ?? '', 'Organization'));

const userInstallation: Route = async (ctx) =>
  answer(ctx, installationFor(ctx, ctx.params.username ?? '', 'User'));

const repoInstallation: Route = async (ctx) => {
  const repo = ctx.state.repos.get(repoKey(ctx.params.owner ?? '', ctx.params.repo ?? ''));
  if (!repo) throw notFound();
  return answer(ctx, installationFor(ctx, repo.owner.login));
};

const createToken: Route = async (ctx) => {
  const installation = ctx.state.installations.get(Number(ctx.params.installation_id));
  if (!installation || installation.appId !== appId(ctx)) throw notFound();
  const token = newToken('ghs');
  const expiresAt = Date.now() + TOKEN_LIFETIME_MS;
  ctx.state.installationTokens.set(token, { installationId: installation.id, expiresAt });
  return {
    status: 201,
    body: {
      token,
      expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      permissions: { checks: 'write', contents: 'write', metadata: 'read', pull_requests: 'write' },
      repository_selection: 'all',
    },
  };
};

export const appRoutes: Record<string, Route> = {
  'apps/get-org-installation': orgInstallation,
  'apps/get-user-installation': userInstallation,
  'apps/get-repo-installation': repoInstallation,
  'apps/create-installation-access-token': createToken,
};
