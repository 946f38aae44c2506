import type { TreeChange } from './git.js';
import { HttpError, body, notFound, repoOf, unprocessable, type Route } from './route-kit.js';
import { blobJson, gitCommitJson, refJson, repoUrls } from './shapes.js';
import { actor, isoNow, type RepoState } from './state.js';

/** The Git database API: refs, trees, blobs and commits, on the bare repository. */

function fullRef(ref: string): string {
  return ref.startsWith('refs/') ? ref : `refs/${ref}`;
}

async function treeJson(base: string, repo: RepoState, sha: string, recursive: boolean) {
  const { api } = repoUrls(base, repo);
  const entries = await repo.git.lsTree(sha, recursive);
  return {
    sha,
    url: `${api}/git/trees/${sha}`,
    truncated: false,
    tree: entries.map((e) => ({
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.size === undefined ? {} : { size: e.size }),
      url: `${api}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`,
    })),
  };
}

async function commitExists(repo: RepoState, sha: string): Promise<boolean> {
  return (await repo.git.objectType(sha)) === 'commit';
}

const getRef: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const ref = fullRef(ctx.params.ref ?? '');
  const sha = await repo.git.refSha(ref);
  if (!sha) throw notFound();
  return { status: 200, body: refJson(ctx.base, repo, ref, sha) };
};

const createRef: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const { ref, sha } = body<{ ref: string; sha: string }>(ctx);
  if (!/^refs\/[^/]+\/.+/.test(ref)) throw unprocessable('Reference name is invalid');
  if (!(await commitExists(repo, sha))) throw unprocessable('Object does not exist');
  if (!(await repo.git.updateRef(ref, sha, undefined)))
    throw unprocessable('Reference already exists');
  repo.pushedAt = isoNow();
  return { status: 201, body: refJson(ctx.base, repo, ref, sha) };
};

const updateRef: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const ref = fullRef(ctx.params.ref ?? '');
  const { sha, force } = body<{ sha: string; force?: boolean }>(ctx);
  const current = await repo.git.refSha(ref);
  if (!current) throw unprocessable('Reference does not exist');
  if (!(await commitExists(repo, sha))) throw unprocessable('Object does not exist');
  if (!force && !(await repo.git.isAncestor(current, sha))) {
    throw unprocessable('Update is not a fast forward');
  }
  // Compare-and-swap, so a concurrent push is never overwritten silently.
  if (!(await repo.git.updateRef(ref, sha, current))) {
    throw new HttpError(409, 'Reference update failed: it moved during the request');
  }
  repo.pushedAt = isoNow();
  return { status: 200, body: refJson(ctx.base, repo, ref, sha) };
};

const deleteRef: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const ref = fullRef(ctx.params.ref ?? '');
  if (!(await repo.git.refSha(ref))) throw unprocessable('Reference does not exist');
  await repo.git.deleteRef(ref);
  return { status: 204 };
};

const getTree: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const tree = await repo.git.resolve(ctx.params.tree_sha ?? '', 'tree');
  if (!tree) throw notFound();
  // Any value of `recursive` turns recursion on, as documented.
  return { status: 200, body: await treeJson(ctx.base, repo, tree, ctx.query.has('recursive')) };
};

interface TreeInput {
  base_tree?: string;
  tree: { path?: string; mode?: string; type?: string; sha?: string | null; content?: string }[];
}

const createTree: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const input = body<TreeInput>(ctx);
  let base: string | undefined;
  if (input.base_tree) {
    base = await repo.git.resolve(input.base_tree, 'tree');
    if (!base) throw unprocessable('Invalid base_tree');
  }
  const changes: TreeChange[] = [];
  for (const entry of input.tree) {
    if (!entry.path || !entry.mode) throw unprocessable('Must supply tree.path and tree.mode');
    if (entry.type === 'tree' || entry.type === 'commit') {
      throw new HttpError(501, 'github-server: only blob entries are supported in new trees');
    }
    if (entry.content !== undefined) {
      const sha = await repo.git.writeBlob(Buffer.from(entry.content, 'utf8'));
      changes.push({ path: entry.path, mode: entry.mode, sha });
    } else if (entry.sha === null) {
      changes.push({ path: entry.path, mode: entry.mode, sha: null });
    } else if (entry.sha && (await repo.git.objectType(entry.sha)) === 'blob') {
      changes.push({ path: entry.path, mode: entry.mode, sha: entry.sha });
    } else {
      throw unprocessable(`tree.sha ${entry.sha ?? ''} is not a valid blob`);
    }
  }
  const sha = await repo.git.writeTree(base, changes);
  return { status: 201, body: await treeJson(ctx.base, repo, sha, false) };
};

const createBlob: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const { content, encoding } = body<{ content: string; encoding?: string }>(ctx);
  if (encoding !== undefined && encoding !== 'utf-8' && encoding !== 'base64') {
    throw unprocessable(`encoding must be utf-8 or base64`);
  }
  const sha = await repo.git.writeBlob(
    Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'),
  );
  return { status: 201, body: { sha, url: `${repoUrls(ctx.base, repo).api}/git/blobs/${sha}` } };
};

const getBlob: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const sha = ctx.params.file_sha ?? '';
  if ((await repo.git.objectType(sha)) !== 'blob') throw notFound();
  return { status: 200, body: blobJson(ctx.base, repo, sha, await repo.git.readBlob(sha)) };
};

interface CommitInput {
  message: string;
  tree: string;
  parents?: string[];
  author?: { name: string; email: string; date?: string };
  committer?: { name: string; email: string; date?: string };
}

const createCommit: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const input = body<CommitInput>(ctx);
  if ((await repo.git.objectType(input.tree)) !== 'tree')
    throw unprocessable('Tree SHA does not exist');
  for (const parent of input.parents ?? []) {
    if (!(await commitExists(repo, parent)))
      throw unprocessable('Parent SHA does not exist or is not a commit object');
  }
  const who = actor(ctx.identity);
  const fallback = { name: who.login, email: `${who.id}+${who.login}@users.noreply.github.com` };
  const identity = (p: CommitInput['author']) => ({
    name: p?.name ?? fallback.name,
    email: p?.email ?? fallback.email,
    ...(p?.date ? { date: Math.floor(Date.parse(p.date) / 1000) } : {}),
  });
  const author = identity(input.author);
  const sha = await repo.git.commitTree(
    input.tree,
    input.parents ?? [],
    input.message,
    author,
    input.committer ? identity(input.committer) : author,
  );
  return { status: 201, body: gitCommitJson(ctx.base, repo, await repo.git.readCommit(sha)) };
};

const getCommit: Route = async (ctx) => {
  const repo = repoOf(ctx);
  const sha = ctx.params.commit_sha ?? '';
  if (!(await commitExists(repo, sha))) throw notFound();
  return { status: 200, body: gitCommitJson(ctx.base, repo, await repo.git.readCommit(sha)) };
};

export const gitRoutes: Record<string, Route> = {
  'git/get-ref': getRef,
  'git/create-ref': createRef,
  'git/update-ref': updateRef,
  'git/delete-ref': deleteRef,
  'git/get-tree': getTree,
  'git/create-tree': createTree,
  'git/create-blob': createBlob,
  'git/get-blob': getBlob,
  'git/create-commit': createCommit,
  'git/get-commit': getCommit,
};
