import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { newToken } from './auth.js';
import type { Fault, Faults } from './faults.js';
import { Git, type TreeChange } from './git.js';
import { mergePull, type MergeMethod } from './pulls.js';
import {
  account,
  isoNow,
  repoKey,
  type AccountType,
  type DispatchRecord,
  type RepoState,
  type ServerState,
} from './state.js';

/**
 * What tests do to the server directly: set up accounts, repositories and
 * apps, act as a human (push, merge), and read what restack left behind.
 * Every method takes one JSON-able object, so it is also `POST /_control/<name>`.
 */

export interface RepoSpec {
  owner: string;
  name: string;
  ownerType?: 'User' | 'Organization';
  /** Folder whose files become the first commit. */
  fromDir?: string;
  /** Files of the first commit, by path (added to those from `fromDir`). */
  files?: Record<string, string>;
  defaultBranch?: string;
  private?: boolean;
  archived?: boolean;
  fork?: boolean;
  topics?: string[];
  description?: string;
}

export interface PushSpec {
  owner: string;
  repo: string;
  branch: string;
  /** New content by path; null deletes. */
  files: Record<string, string | null>;
  message?: string;
  author?: { name: string; email: string };
  /** Start the branch here when it does not exist (default: the default branch). */
  from?: string;
}

const HUMAN = { name: 'Octo Human', email: 'human@example.com' };

export function createControl(state: ServerState, root: string, faults: Faults) {
  function repoOf(owner: string, name: string): RepoState {
    const repo = state.repos.get(repoKey(owner, name));
    if (!repo) throw new Error(`github-server: no repository ${owner}/${name}`);
    return repo;
  }

  async function filesOf(dir: string): Promise<Record<string, Buffer>> {
    const out: Record<string, Buffer> = {};
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      out[relative(dir, full).split(sep).join('/')] = await readFile(full);
    }
    return out;
  }

  async function commitFiles(
    repo: RepoState,
    parent: string | undefined,
    files: Record<string, Buffer | string | null>,
    message: string,
    author = HUMAN,
  ) {
    const changes: TreeChange[] = [];
    for (const [path, content] of Object.entries(files)) {
      const sha = content === null ? null : await repo.git.writeBlob(Buffer.from(content));
      changes.push({ path, mode: '100644', sha });
    }
    const baseTree = parent ? await repo.git.resolve(parent, 'tree') : undefined;
    const tree = await repo.git.writeTree(baseTree, changes);
    return repo.git.commitTree(tree, parent ? [parent] : [], message, author);
  }

  async function createRepo(spec: RepoSpec) {
    const owner = account(state, spec.owner, spec.ownerType ?? 'Organization');
    if (state.repos.has(repoKey(owner.login, spec.name)))
      throw new Error(`github-server: ${spec.owner}/${spec.name} exists`);
    const defaultBranch = spec.defaultBranch ?? 'main';
    const git = await Git.initBare(join(root, owner.login, `${spec.name}.git`), defaultBranch);
    const now = isoNow();
    const repo: RepoState = {
      id: state.nextId(),
      owner,
      name: spec.name,
      git,
      description: spec.description ?? null,
      private: spec.private ?? false,
      archived: spec.archived ?? false,
      fork: spec.fork ?? false,
      topics: spec.topics ?? [],
      defaultBranch,
      createdAt: now,
      pushedAt: now,
      nextNumber: 1,
      labels: [],
      pulls: [],
      issues: [],
      comments: [],
      statuses: [],
      checkRuns: [],
      dispatches: [],
    };
    const files = { ...(spec.fromDir ? await filesOf(spec.fromDir) : {}), ...(spec.files ?? {}) };
    const sha = await commitFiles(repo, undefined, files, 'Initial commit');
    await git.updateRef(`refs/heads/${defaultBranch}`, sha, undefined);
    state.repos.set(repoKey(owner.login, spec.name), repo);
    return { owner: owner.login, name: spec.name, defaultBranch, sha };
  }

  /** A commit by a person, straight onto a branch, as `git push` would land it. */
  async function pushCommit(spec: PushSpec) {
    const repo = repoOf(spec.owner, spec.repo);
    const ref = `refs/heads/${spec.branch}`;
    const current = await repo.git.refSha(ref);
    const parent = current ?? (await repo.git.resolve(spec.from ?? repo.defaultBranch, 'commit'));
    const sha = await commitFiles(
      repo,
      parent,
      spec.files,
      spec.message ?? 'Human change',
      spec.author ?? HUMAN,
    );
    if (!(await repo.git.updateRef(ref, sha, current)))
      throw new Error(`github-server: ${ref} moved`);
    repo.pushedAt = isoNow();
    return sha;
  }

  async function mergePullRequest(spec: {
    owner: string;
    repo: string;
    number: number;
    method?: MergeMethod;
    by?: string;
  }) {
    const repo = repoOf(spec.owner, spec.repo);
    const pull = repo.pulls.find((p) => p.number === spec.number);
    if (!pull) throw new Error(`github-server: no pull request #${spec.number}`);
    return mergePull(repo, pull, {
      method: spec.method ?? 'merge',
      by: account(state, spec.by ?? 'octo-human'),
    });
  }

  async function readBranch(spec: { owner: string; repo: string; branch?: string }) {
    const repo = repoOf(spec.owner, spec.repo);
    const commit = await repo.git.resolve(spec.branch ?? repo.defaultBranch, 'commit');
    if (!commit) throw new Error(`github-server: no branch ${spec.branch ?? repo.defaultBranch}`);
    const out: Record<string, string> = {};
    for (const e of await repo.git.lsTree(commit, true)) {
      if (e.type === 'blob') out[e.path] = (await repo.git.readBlob(e.sha)).toString('utf8');
    }
    return out;
  }

  function registerApp(spec: { slug: string; owner?: string }) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const id = state.nextId();
    const bot = account(state, `${spec.slug}[bot]`, 'Bot');
    state.apps.set(id, {
      id,
      slug: spec.slug,
      name: spec.slug,
      owner: account(state, spec.owner ?? 'app-owner', 'Organization'),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      bot,
    });
    // GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY").
    return {
      appId: id,
      privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    };
  }

  function installApp(spec: { appId: number; account: string; accountType?: AccountType }) {
    const id = state.nextId();
    state.installations.set(id, {
      id,
      appId: spec.appId,
      account: account(state, spec.account, spec.accountType ?? 'Organization'),
      createdAt: isoNow(),
    });
    return id;
  }

  const copy = <T>(value: T): T => structuredClone(value);

  return {
    createAccount: (spec: { login: string; type?: AccountType }) =>
      account(state, spec.login, spec.type),
    /** A personal access token for `login`. */
    createUserToken(spec: { login: string }) {
      const token = newToken('ghp');
      state.userTokens.set(token, account(state, spec.login, 'User'));
      return token;
    },
    createRepo,
    pushCommit,
    mergePullRequest,
    readBranch,
    async readFile(spec: { owner: string; repo: string; ref: string; path: string }) {
      return (await readBranch({ owner: spec.owner, repo: spec.repo, branch: spec.ref }))[
        spec.path
      ];
    },
    branchSha: (spec: { owner: string; repo: string; branch: string }) =>
      repoOf(spec.owner, spec.repo).git.refSha(`refs/heads/${spec.branch}`),
    async listBranches(spec: { owner: string; repo: string }) {
      const refs = await repoOf(spec.owner, spec.repo).git.listRefs('refs/heads/');
      return refs.map((r) => r.ref.slice('refs/heads/'.length));
    },
    async readCommit(spec: { owner: string; repo: string; sha: string }) {
      const c = await repoOf(spec.owner, spec.repo).git.readCommit(spec.sha);
      return { sha: c.sha, parents: c.parents, message: c.message, author: c.author.name };
    },
    /** Installation tokens handed out so far, so tests can look for leaks. */
    issuedInstallationTokens: () => [...state.installationTokens.keys()],
    pullRequests: (spec: { owner: string; repo: string }) =>
      copy(repoOf(spec.owner, spec.repo).pulls),
    issues: (spec: { owner: string; repo: string }) => copy(repoOf(spec.owner, spec.repo).issues),
    comments: (spec: { owner: string; repo: string }) =>
      copy(repoOf(spec.owner, spec.repo).comments),
    statuses: (spec: { owner: string; repo: string }) =>
      copy(repoOf(spec.owner, spec.repo).statuses),
    checkRuns: (spec: { owner: string; repo: string }) =>
      copy(repoOf(spec.owner, spec.repo).checkRuns),
    dispatches: (spec: { owner: string; repo: string }): DispatchRecord[] =>
      copy(repoOf(spec.owner, spec.repo).dispatches),
    registerApp,
    installApp,
    /** Invalidate every installation token, as a key rotation would. */
    revokeInstallationTokens: () => state.installationTokens.clear(),
    injectFault: (fault: Fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
  };
}

export type Control = ReturnType<typeof createControl>;
