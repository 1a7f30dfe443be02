/**
 * Where a pushed configuration is read from: the file at one commit, with the commit's author and
 * time. GitHub (contents API), GitLab (repository files API) and, for the sandbox, a local Git
 * repository. A missing file or commit is a TerminalError; rate limits, 5xx and network failures
 * are TransientErrors.
 */
import { TerminalError } from '../core/errors.ts';
import { assertCommitSha, assertRepoPath, providerRequest, readJson, shortSha, toUtcIso, type FetchImpl } from './provider-http.ts';

export { localGitSource, type LocalGitSourceOptions } from './local-git-source.ts';

/** The configuration file at one commit. */
export interface FetchedConfig {
  text: string;
  author: string;
  /** The commit's committer time, UTC ISO 8601. */
  committedAt: string;
}

/** Reads the configuration file as it is at a commit. */
export interface ConfigSource {
  fetch(commit: string, path: string): Promise<FetchedConfig>;
}

/** Options of {@link githubSource}. */
export interface GithubSourceOptions {
  /** `owner/repo`. */
  repository: string;
  token?: string;
  baseUrl?: string;
  fetchImpl?: FetchImpl;
}

/** Reads files through the GitHub REST API (contents and commits endpoints). */
export function githubSource(options: GithubSourceOptions): ConfigSource {
  const repo = githubRepoPath(options.repository);
  const base = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const fetchImpl = options.fetchImpl ?? fetch;
  const headers = githubHeaders(options.token);
  return {
    async fetch(commit, path) {
      assertCommitSha(commit);
      assertRepoPath(path);
      const where = `${path} at ${shortSha(commit)} in ${options.repository}`;
      const filePath = path.split('/').map(encodeURIComponent).join('/');
      const [file, info] = await Promise.all([
        providerRequest(fetchImpl, `${base}/repos/${repo}/contents/${filePath}?ref=${commit}`, { headers }, `GitHub file ${where}`).then(
          (r) => readJson(r, `GitHub file ${where}`),
        ),
        providerRequest(
          fetchImpl,
          `${base}/repos/${repo}/commits/${commit}`,
          { headers },
          `GitHub commit ${shortSha(commit)} in ${options.repository}`,
        ).then((r) => readJson(r, 'GitHub commit')),
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
  };
}

/** Options of {@link gitlabSource}. */
export interface GitlabSourceOptions {
  /** `group/project` (subgroups allowed) or the numeric project id. */
  project: string;
  token?: string;
  baseUrl?: string;
  fetchImpl?: FetchImpl;
}

/** Reads files through the GitLab REST API (repository files and commits endpoints). */
export function gitlabSource(options: GitlabSourceOptions): ConfigSource {
  const project = gitlabProjectId(options.project);
  const base = (options.baseUrl ?? 'https://gitlab.com/api/v4').replace(/\/+$/, '');
  const fetchImpl = options.fetchImpl ?? fetch;
  const headers: Record<string, string> = options.token ? { 'PRIVATE-TOKEN': options.token } : {};
  return {
    async fetch(commit, path) {
      assertCommitSha(commit);
      assertRepoPath(path);
      const where = `${path} at ${shortSha(commit)} in ${options.project}`;
      const [file, info] = await Promise.all([
        providerRequest(
          fetchImpl,
          `${base}/projects/${project}/repository/files/${encodeURIComponent(path)}/raw?ref=${commit}`,
          { headers },
          `GitLab file ${where}`,
        ).then((r) => r.text()),
        providerRequest(
          fetchImpl,
          `${base}/projects/${project}/repository/commits/${commit}`,
          { headers: { ...headers, Accept: 'application/json' } },
          `GitLab commit ${shortSha(commit)} in ${options.project}`,
        ).then((r) => readJson(r, 'GitLab commit')),
      ]);
      const commitInfo = info as { author_name?: unknown; committed_date?: unknown };
      return {
        text: file,
        author: typeof commitInfo.author_name === 'string' ? commitInfo.author_name : 'unknown',
        committedAt: toUtcIso(commitInfo.committed_date, `GitLab commit ${shortSha(commit)}`),
      };
    },
  };
}

/** The `owner/repo` part of GitHub API paths, validated. */
export function githubRepoPath(repository: string): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository))
    throw new TerminalError(`not a GitHub repository (owner/repo): ${JSON.stringify(repository)}`);
  return repository.split('/').map(encodeURIComponent).join('/');
}

/** The URL-encoded GitLab project id (`group%2Fproject`), validated. */
export function gitlabProjectId(project: string): string {
  if (!/^(\d+|[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+)$/.test(project))
    throw new TerminalError(`not a GitLab project (group/project or id): ${JSON.stringify(project)}`);
  return encodeURIComponent(project);
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
