/**
 * The GitLab configuration source: the file at a commit (repository files API), the commit's author
 * and time (commits API), the branch head (branches API) and the ancestry of two commits (their
 * merge base, from the merge_base API).
 */
import { TerminalError } from '../core/errors.ts';
import { ancestryFromMergeBase, isBranchName, sameCommit } from './history.ts';
import { assertCommitSha, assertRepoPath, providerRequest, readJson, shortSha, toUtcIso, type FetchImpl } from './provider-http.ts';
import type { ConfigSource } from './sources.ts';

/** Options of {@link gitlabSource}. */
export interface GitlabSourceOptions {
  /** `group/project` (subgroups allowed) or the numeric project id. */
  project: string;
  token?: string;
  baseUrl?: string;
  fetchImpl?: FetchImpl;
}

/** Reads files and history through the GitLab REST API. */
export function gitlabSource(options: GitlabSourceOptions): ConfigSource {
  const project = gitlabProjectId(options.project);
  const base = (options.baseUrl ?? 'https://gitlab.com/api/v4').replace(/\/+$/, '');
  const fetchImpl = options.fetchImpl ?? fetch;
  const headers: Record<string, string> = options.token ? { 'PRIVATE-TOKEN': options.token } : {};
  const get = (path: string, what: string) =>
    providerRequest(fetchImpl, `${base}/projects/${project}/repository/${path}`, { headers }, what);
  const getJson = (path: string, what: string) =>
    providerRequest(
      fetchImpl,
      `${base}/projects/${project}/repository/${path}`,
      { headers: { ...headers, Accept: 'application/json' } },
      what,
    ).then((r) => readJson(r, what));
  return {
    async fetch(commit, path) {
      assertCommitSha(commit);
      assertRepoPath(path);
      const where = `${path} at ${shortSha(commit)} in ${options.project}`;
      const [file, info] = await Promise.all([
        get(`files/${encodeURIComponent(path)}/raw?ref=${commit}`, `GitLab file ${where}`).then((r) => r.text()),
        getJson(`commits/${commit}`, `GitLab commit ${shortSha(commit)} in ${options.project}`),
      ]);
      const commitInfo = info as { author_name?: unknown; committed_date?: unknown };
      return {
        text: file,
        author: typeof commitInfo.author_name === 'string' ? commitInfo.author_name : 'unknown',
        committedAt: toUtcIso(commitInfo.committed_date, `GitLab commit ${shortSha(commit)}`),
      };
    },
    async head(branch) {
      if (!isBranchName(branch)) throw new TerminalError(`not a branch name: ${JSON.stringify(branch.slice(0, 80))}`);
      const what = `GitLab branch ${branch} in ${options.project}`;
      const id = ((await getJson(`branches/${encodeURIComponent(branch)}`, what)) as { commit?: { id?: unknown } }).commit?.id;
      if (typeof id !== 'string') throw new TerminalError(`${what}: no commit in the answer`);
      assertCommitSha(id);
      return id;
    },
    async compare(from, to) {
      assertCommitSha(from);
      assertCommitSha(to);
      if (sameCommit(from, to)) return 'identical';
      const what = `GitLab merge base of ${shortSha(from)} and ${shortSha(to)} in ${options.project}`;
      // GitLab answers 400 when the commits share no history: they cannot be placed, like a 404.
      const mergeBase = ((await getJson(`merge_base?refs%5B%5D=${from}&refs%5B%5D=${to}`, what)) as { id?: unknown }).id;
      if (typeof mergeBase !== 'string') throw new TerminalError(`${what}: no commit in the answer`);
      return ancestryFromMergeBase(from, to, mergeBase);
    },
  };
}

/** The URL-encoded GitLab project id (`group%2Fproject`), validated. */
export function gitlabProjectId(project: string): string {
  if (!/^(\d+|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+)$/.test(project))
    throw new TerminalError(`not a GitLab project (group/project or id): ${JSON.stringify(project)}`);
  return encodeURIComponent(project);
}
