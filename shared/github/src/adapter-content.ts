import { RestackError } from '@restack/core';
import type { GitHubClient } from './client.js';
import { call, decodeBase64, globToRegExp } from './call.js';
import { parseResponse, requestStatus, toGitHubError } from './errors.js';
import type {
  BranchHead,
  Commit,
  CommitRequest,
  FileContent,
  GitHubPort,
  RepoRef,
  Repository,
  RepositoryFilter,
  Tree,
} from './port.js';
import { TREE_ENTRY_TYPES } from './port.js';
import {
  blobSchema,
  contentFileSchema,
  gitCommitSchema,
  gitRefSchema,
  gitTreeSchema,
  repositorySchema,
  shaSchema,
} from './schema.js';
import type { z } from 'zod';

type ContentPort = Pick<
  GitHubPort,
  | 'listRepositories'
  | 'getRepository'
  | 'getBranchHead'
  | 'getTree'
  | 'readFile'
  | 'readBlob'
  | 'createBranch'
  | 'updateBranch'
  | 'deleteBranch'
  | 'createCommit'
  | 'downloadTarball'
>;

type TreeWrite = { path: string; mode: '100644' | '100755'; type: 'blob' } & (
  { sha: string | null } | { content: string }
);

function toRepository(data: z.infer<typeof repositorySchema>): Repository {
  return {
    owner: data.owner.login,
    repo: data.name,
    fullName: data.full_name,
    defaultBranch: data.default_branch,
    archived: data.archived ?? false,
    fork: data.fork,
    private: data.private,
    topics: data.topics ?? [],
    htmlUrl: data.html_url,
  };
}

function matches(repo: Repository, filter: RepositoryFilter): boolean {
  if (repo.archived && !filter.includeArchived) return false;
  if (repo.fork && !filter.includeForks) return false;
  if (filter.topics?.some((t) => !repo.topics.includes(t.toLowerCase()))) return false;
  return filter.name === undefined || globToRegExp(filter.name).test(repo.repo);
}

export function contentAdapter(client: GitHubClient): ContentPort {
  const gh = (r: RepoRef) => client.forOwner(r.owner);
  const at = (r: RepoRef, path: string) => `${client.baseUrl}/repos/${r.owner}/${r.repo}${path}`;

  async function listRepositories(owner: string, filter: RepositoryFilter = {}) {
    const octokit = client.forOwner(owner);
    let where = `${client.baseUrl}/orgs/${owner}/repos`;
    let data: unknown[];
    try {
      data = await octokit.paginate(octokit.rest.repos.listForOrg, { org: owner, per_page: 100 });
    } catch (e) {
      // A user account is not an organisation; its repositories live elsewhere.
      if (requestStatus(e) !== 404) throw toGitHubError(e, where);
      where = `${client.baseUrl}/users/${owner}/repos`;
      data = await call(where, () =>
        octokit.paginate(octokit.rest.repos.listForUser, { username: owner, per_page: 100 }),
      );
    }
    return data
      .map((d) => toRepository(parseResponse(repositorySchema, d, where)))
      .filter((r) => matches(r, filter));
  }

  async function getRepository(r: RepoRef) {
    const where = at(r, '');
    const { data } = await call(where, () => gh(r).rest.repos.get({ ...r }));
    return toRepository(parseResponse(repositorySchema, data, where));
  }

  async function getBranchHead(r: RepoRef, branch?: string): Promise<BranchHead> {
    const name = branch ?? (await getRepository(r)).defaultBranch;
    const refWhere = at(r, `/git/ref/heads/${name}`);
    const ref = await call(refWhere, () => gh(r).rest.git.getRef({ ...r, ref: `heads/${name}` }));
    const sha = parseResponse(gitRefSchema, ref.data, refWhere).object.sha;
    const commitWhere = at(r, `/git/commits/${sha}`);
    const commit = await call(commitWhere, () =>
      gh(r).rest.git.getCommit({ ...r, commit_sha: sha }),
    );
    return {
      branch: name,
      sha,
      treeSha: parseResponse(gitCommitSchema, commit.data, commitWhere).tree.sha,
    };
  }

  async function getTree(r: RepoRef, treeish: string): Promise<Tree> {
    const where = at(r, `/git/trees/${treeish}`);
    const { data } = await call(where, () =>
      gh(r).rest.git.getTree({ ...r, tree_sha: treeish, recursive: '1' }),
    );
    const tree = parseResponse(gitTreeSchema, data, where);
    const entries = tree.tree.flatMap((e) => {
      const type = TREE_ENTRY_TYPES.find((t) => t === e.type);
      return type ? [{ path: e.path, mode: e.mode, type, sha: e.sha, size: e.size }] : [];
    });
    return { sha: tree.sha, truncated: tree.truncated, entries };
  }

  async function readBlob(r: RepoRef, sha: string): Promise<Uint8Array> {
    const where = at(r, `/git/blobs/${sha}`);
    const { data } = await call(where, () => gh(r).rest.git.getBlob({ ...r, file_sha: sha }));
    const blob = parseResponse(blobSchema, data, where);
    return blob.encoding === 'base64' ? decodeBase64(blob.content) : Buffer.from(blob.content);
  }

  async function readFile(r: RepoRef, path: string, ref: string): Promise<FileContent | undefined> {
    const where = at(r, `/contents/${path}?ref=${ref}`);
    let data: unknown;
    try {
      ({ data } = await gh(r).rest.repos.getContent({ ...r, path, ref }));
    } catch (e) {
      if (requestStatus(e) === 404) return undefined;
      throw toGitHubError(e, where);
    }
    if (Array.isArray(data) || (data as { type?: unknown }).type !== 'file') {
      throw new RestackError('github.not-a-file', `${path} is not a regular file at ${ref}`, {
        where,
        fix: 'point at a file, not a directory, symlink or submodule',
      });
    }
    const file = parseResponse(contentFileSchema, data, where);
    // Files over 1 MB come without content; the blob API serves them whole.
    const content =
      file.encoding === 'none' ? await readBlob(r, file.sha) : decodeBase64(file.content);
    return { path: file.path, sha: file.sha, content };
  }

  async function createBranch(r: RepoRef, branch: string, sha: string) {
    await call(
      at(r, `/git/refs`),
      () => gh(r).rest.git.createRef({ ...r, ref: `refs/heads/${branch}`, sha }),
      [
        {
          status: 422,
          message: /already exists/i,
          code: 'github.branch-exists',
          text: `branch ${branch} already exists`,
          fix: 'update the branch instead of creating it',
        },
      ],
    );
  }

  async function updateBranch(r: RepoRef, branch: string, sha: string, opts = { force: false }) {
    await call(
      at(r, `/git/refs/heads/${branch}`),
      () =>
        gh(r).rest.git.updateRef({ ...r, ref: `heads/${branch}`, sha, force: opts.force ?? false }),
      [
        {
          status: 422,
          message: /fast.forward/i,
          code: 'github.not-fast-forward',
          text: `branch ${branch} has commits that ${sha.slice(0, 12)} does not contain`,
          fix: 'rebuild the change on the current branch head, or update with force',
        },
      ],
    );
  }

  async function deleteBranch(r: RepoRef, branch: string) {
    try {
      await gh(r).rest.git.deleteRef({ ...r, ref: `heads/${branch}` });
    } catch (e) {
      // Already gone is what the caller wanted.
      if (requestStatus(e) === 422 || requestStatus(e) === 404) return;
      throw toGitHubError(e, at(r, `/git/refs/heads/${branch}`));
    }
  }

  async function createCommit(r: RepoRef, request: CommitRequest): Promise<Commit> {
    const parentWhere = at(r, `/git/commits/${request.parentSha}`);
    const parent = await call(parentWhere, () =>
      gh(r).rest.git.getCommit({ ...r, commit_sha: request.parentSha }),
    );
    const baseTree = parseResponse(gitCommitSchema, parent.data, parentWhere).tree.sha;
    const tree: TreeWrite[] = [];
    for (const change of request.changes) {
      const mode = change.executable ? '100755' : '100644';
      if (change.content === null) {
        tree.push({ path: change.path, mode, type: 'blob', sha: null });
      } else if (typeof change.content === 'string') {
        // Text goes inline, saving one write per file.
        tree.push({ path: change.path, mode, type: 'blob', content: change.content });
      } else {
        const bytes = change.content;
        const blob = await call(at(r, '/git/blobs'), () =>
          gh(r).rest.git.createBlob({
            ...r,
            content: Buffer.from(bytes).toString('base64'),
            encoding: 'base64',
          }),
        );
        const sha = parseResponse(shaSchema, blob.data, at(r, '/git/blobs')).sha;
        tree.push({ path: change.path, mode, type: 'blob', sha });
      }
    }
    const treeWhere = at(r, '/git/trees');
    const created = await call(treeWhere, () =>
      gh(r).rest.git.createTree({ ...r, base_tree: baseTree, tree }),
    );
    const treeSha = parseResponse(shaSchema, created.data, treeWhere).sha;
    const commitWhere = at(r, '/git/commits');
    const commit = await call(commitWhere, () =>
      gh(r).rest.git.createCommit({
        ...r,
        message: request.message,
        tree: treeSha,
        parents: [request.parentSha],
        ...(request.author ? { author: request.author } : {}),
      }),
    );
    return { sha: parseResponse(shaSchema, commit.data, commitWhere).sha, treeSha };
  }

  async function downloadTarball(r: RepoRef, ref: string): Promise<Uint8Array> {
    const where = at(r, `/tarball/${ref}`);
    const { data } = await call(where, () =>
      gh(r).rest.repos.downloadTarballArchive({ ...r, ref }),
    );
    if (!(data instanceof ArrayBuffer)) {
      throw new RestackError('github.unexpected-response', 'the tarball answer is not binary', {
        where,
        fix: 'check github.baseUrl points at a GitHub REST API',
      });
    }
    return new Uint8Array(data);
  }

  return {
    listRepositories,
    getRepository,
    getBranchHead,
    getTree,
    readFile,
    readBlob,
    createBranch,
    updateBranch,
    deleteBranch,
    createCommit,
    downloadTarball,
  };
}
