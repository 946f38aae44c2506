import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRateCounter, readBody, send } from './http.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { authorize, describeIdentity, identify } from './auth.js';
import { createControl, type Control } from './control.js';
import { createFaults, faultAnswer, malform, type Fault } from './faults.js';
import { loadOpenApi, type MatchedOperation } from './openapi.js';
import { HttpError, type Route, type RouteResult } from './route-kit.js';
import { appRoutes } from './routes-apps.js';
import { checkRoutes } from './routes-checks.js';
import { gitRoutes } from './routes-git.js';
import { issueRoutes } from './routes-issues.js';
import { pullRoutes } from './routes-pulls.js';
import { repoRoutes } from './routes-repos.js';
import { createState, repoKey } from './state.js';

/**
 * A local GitHub REST server for tests. Routing comes from GitHub's OpenAPI
 * description; every request and response is checked against it, and a
 * mismatch is recorded as a violation that makes `stop()` throw.
 */

export interface GitHubServerOptions {
  /** Largest page size served, so tests can exercise pagination with few items. */
  pageSize?: number;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  query: string;
  operationId: string | undefined;
  status: number;
  /** `user:<login>`, `installation:<id>`, `app:<id>` or `anonymous`; never the credential. */
  identity: string;
  body: unknown;
  fault?: Fault['kind'];
}

export interface GitHubTestServer {
  readonly url: string;
  readonly control: Control;
  requests(): RecordedRequest[];
  /** Problems found by OpenAPI validation, kept until taken. */
  violations(): string[];
  takeViolations(): string[];
  /** Closes the server and deletes its repositories; throws if violations were left. */
  stop(): Promise<void>;
}

const ROUTES: Record<string, Route> = {
  ...repoRoutes,
  ...gitRoutes,
  ...pullRoutes,
  ...issueRoutes,
  ...checkRoutes,
  ...appRoutes,
};

export async function startGitHubServer(
  options: GitHubServerOptions = {},
): Promise<GitHubTestServer> {
  const openapi = loadOpenApi();
  const root = await mkdtemp(join(tmpdir(), 'restack-github-'));
  const state = createState();
  const faults = createFaults();
  const control = createControl(state, root, faults);
  const requests: RecordedRequest[] = [];
  let violations: string[] = [];
  const rateHeaders = createRateCounter();
  let base = '';

  async function answer(
    op: MatchedOperation,
    record: RecordedRequest,
    raw: Buffer,
    url: URL,
    authHeader: string | undefined,
  ): Promise<RouteResult> {
    const identity = identify(state, authHeader, Date.now());
    record.identity = describeIdentity(identity);
    const fault = faults.take(op.operationId, [
      'secondary-rate-limit',
      'primary-rate-limit',
      'server-error',
    ]);
    const injected = fault ? faultAnswer(fault, `R${record.seq}`, Date.now()) : undefined;
    if (fault && injected) {
      record.fault = fault.kind;
      return injected;
    }
    authorize(op.operationId, identity);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'Problems parsing JSON');
      }
    }
    record.body = body;
    const problems = openapi.checkRequest(op, url.searchParams, body);
    if (problems.length > 0) {
      violations.push(`request ${op.operationId}: ${problems.join('; ')}`);
      // GitHub refuses requests that break its schema with 422; so does this server.
      throw new HttpError(
        422,
        `github-server: request does not match ${op.operationId} in GitHub's OpenAPI description: ${problems.join('; ')}`,
      );
    }
    const route = ROUTES[op.operationId];
    if (!route) {
      violations.push(`request ${op.operationId}: not implemented by the test server`);
      throw new HttpError(501, `github-server: ${op.operationId} is not implemented`);
    }
    return route({
      state,
      base,
      params: op.params,
      query: url.searchParams,
      body: body as Record<string, unknown> | undefined,
      identity,
      pageSize: options.pageSize ?? 100,
    });
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer) {
    const method = req.method ?? 'GET';
    const op = openapi.find(method, url.pathname);
    const record: RecordedRequest = {
      seq: requests.length + 1,
      method,
      path: url.pathname,
      query: url.search,
      operationId: op?.operationId,
      status: 0,
      identity: 'anonymous',
      body: undefined,
    };
    requests.push(record);
    if (!op) {
      violations.push(
        `${method} ${url.pathname}: no such operation in GitHub's OpenAPI description`,
      );
      record.status = 404;
      return send(
        res,
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
        {},
      );
    }
    let result: RouteResult;
    try {
      result = await answer(op, record, raw, url, req.headers.authorization);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      result = { status: e.status, body: e.toBody() };
    }
    let body = result.body;
    const broken = faults.take(op.operationId, ['malformed-response']);
    if (broken?.kind === 'malformed-response') {
      record.fault = broken.kind;
      body = malform(body, broken);
    }
    const problems = openapi.checkResponse(op, result.status, body);
    if (
      problems.length > 0 &&
      !(broken?.kind === 'malformed-response' && broken.validate === false)
    ) {
      const message = `github-server: response ${result.status} does not match ${op.operationId} in GitHub's OpenAPI description: ${problems.slice(0, 5).join('; ')}`;
      violations.push(message);
      record.status = 500;
      return send(
        res,
        500,
        { message, documentation_url: 'https://docs.github.com/rest' },
        rateHeaders(record.identity, `R${record.seq}`),
      );
    }
    record.status = result.status;
    send(res, result.status, body, {
      ...rateHeaders(record.identity, `R${record.seq}`),
      ...result.headers,
    });
  }

  /** GitHub redirects tarball downloads to codeload; this is that second hop. */
  async function codeload(res: ServerResponse, url: URL) {
    const [, , owner = '', name = '', , sha = ''] = url.pathname.split('/');
    const repo = state.repos.get(repoKey(owner, name));
    if (!repo || !/^[0-9a-f]{40}$/.test(sha)) return send(res, 404, { message: 'Not Found' }, {});
    const tar = await repo.git.archive(sha, `${repo.owner.login}-${repo.name}-${sha.slice(0, 7)}`);
    res.writeHead(200, { 'content-type': 'application/x-gzip' });
    res.end(gzipSync(tar));
  }

  async function controlCall(res: ServerResponse, url: URL, raw: Buffer) {
    const name = url.pathname.slice('/_control/'.length) as keyof Control;
    const fn = control[name] as ((arg: unknown) => unknown) | undefined;
    if (typeof fn !== 'function') return send(res, 404, { message: `no control ${name}` }, {});
    try {
      const result = await fn(raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {});
      send(res, 200, { result: result ?? null }, {});
    } catch (e) {
      // A test's own mistake, not a drift from GitHub's description.
      send(res, 400, { message: e instanceof Error ? e.message : String(e) }, {});
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    readBody(req)
      .then((raw) => {
        if (url.pathname.startsWith('/_control/')) return controlCall(res, url, raw);
        if (url.pathname.startsWith('/_codeload/')) return codeload(res, url);
        return api(req, res, url, raw);
      })
      .catch((e: unknown) => {
        const message = `github-server: ${e instanceof Error ? e.message : String(e)}`;
        violations.push(message);
        if (!res.headersSent) send(res, 500, { message }, {});
        else res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the kernel picks a free port, so parallel test files never collide.
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('github-server: no TCP address');
  base = `http://127.0.0.1:${address.port}`;

  return {
    url: base,
    control,
    requests: () => [...requests],
    violations: () => [...violations],
    takeViolations() {
      const taken = violations;
      violations = [];
      return taken;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
      if (violations.length > 0) {
        throw new Error(
          `github-server: OpenAPI violations were not taken by the test:\n${violations.join('\n')}`,
        );
      }
    },
  };
}
