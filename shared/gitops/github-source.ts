/**
 * The GitHub configuration source: the file at a commit (contents API), the commit's author and
 * time (commits API), the branch head (git refs API) and the ancestry of two commits (compare API).
 */
import { TerminalError } from '../core/errors.ts';
import { isBranchName, type Ancestry } from './history.ts';
import { assertCommitSha, assertRepoPath, providerRequest, readJson, shortSha, toUtcIso, type FetchImpl } from './provider-http.ts';
import type { ConfigSource } from './sources.ts';

/** Options of {@link githubSource}. */
export interface GithubSourceOptions {
  /** `owner/repo`. */
  repository: string;
  token?: string;
  baseUrl?: string;
  fetchImpl?: FetchImpl;
}

const ANCESTRY: readonly string[] = ['identical', 'ahead', 'behind', 'diverged'] satisfies Ancestry[];

/** Reads files and history through the GitHub REST API. */
export function githubSource(options: GithubSourceOptions): ConfigSource {
  const repo = githubRepoPath(options.repository);
  const base = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const fetchImpl = options.fetchImpl ?? fetch;
  const headers = githubHeaders(options.token);
  const getJson = (path: string, what: string) =>
    providerRequest(fetchImpl, `${base}/repos/${repo}/${path}`, { headers }, what).then((r) => readJson(r, what));
  return {
    async fetch(commit, path) {
      assertCommitSha(commit);
      assertRepoPath(path);
      const where = `${path} at ${shortSha(commit)} in ${options.repository}`;
      const filePath = path.split('/').map(encodeURIComponent).join('/');
      const [file, info] = await Promise.all([
        getJson(`contents/${filePath}?ref=${commit}`, `GitHub file ${where}`),
        getJson(`commits/${commit}`, `GitHub commit ${shortSha(commit)} in ${options.repository}`),
      ]);
      const content = file as { type?: unknown; encoding?: unknown; content?: unknown };
      if (Array.isArray(file) || content.type !== 'file') throw new TerminalError(`GitHub file ${where}: not a file`);
      if (content.encoding !== 'base64' || typeof content.content !== 'string') {
        throw new TerminalError(`GitHub file ${where}: content not included (files over 1 MB are not supported)`);
      }
      const commitInfo = (info as { commit?: { author?: { name?: unknown }; committer?: { date?: unknown } } }).commit;
      return {
        text: Buffer.from(content.content.replace(/\s+/g, ''), 'base64').toString('utf8'),
        author: typeof commitInfo?.author?.name === 'string' ? commitInfo.author.name : 'unknown',
        committedAt: toUtcIso(commitInfo?.committer?.date, `GitHub commit ${shortSha(commit)}`),
      };
    },
    async head(branch) {
      if (!isBranchName(branch)) throw new TerminalError(`not a branch name: ${JSON.stringify(branch.slice(0, 80))}`);
      const what = `GitHub branch ${branch} in ${options.repository}`;
      const ref = (await getJson(`git/ref/heads/${branch.split('/').map(encodeURIComponent).join('/')}`, what)) as {
        object?: { sha?: unknown; type?: unknown };
      };
      const sha = ref.object?.sha;
      if (ref.object?.type !== 'commit' || typeof sha !== 'string') throw new TerminalError(`${what}: the ref does not point at a commit`);
      assertCommitSha(sha);
      return sha;
    },
    async compare(from, to) {
      assertCommitSha(from);
      assertCommitSha(to);
      const what = `GitHub compare ${shortSha(from)}...${shortSha(to)} in ${options.repository}`;
      // Only the status is read: one commit per page keeps the answer small.
      const status = ((await getJson(`compare/${from}...${to}?per_page=1`, what)) as { status?: unknown }).status;
      if (typeof status !== 'string' || !ANCESTRY.includes(status))
        throw new TerminalError(`${what}: unknown status ${JSON.stringify(status)}`);
      return status as Ancestry;
    },
  };
}

/** The `owner/repo` part of GitHub API paths, validated. */
export function githubRepoPath(repository: string): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository))
    throw new TerminalError(`not a GitHub repository (owner/repo): ${JSON.stringify(repository)}`);
  return repository.split('/').map(encodeURIComponent).join('/');
}

/** The headers GitHub's REST API asks for. */
export function githubHeaders(token: string | undefined): Record<string, string> {
  return {
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': 'fleetpilot',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  };
}
