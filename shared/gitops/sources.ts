/**
 * Where a pushed configuration is read from, and the history it is placed in: the file at one
 * commit with the commit's author and time, the branch's head, and the ancestry of two commits.
 * GitHub, GitLab and, for the sandbox, a local Git repository. A missing file, commit or branch is a
 * TerminalError; rate limits, 5xx and network failures are TransientErrors.
 */
import type { BranchHistory } from './history.ts';

export { githubHeaders, githubRepoPath, githubSource, type GithubSourceOptions } from './github-source.ts';
export { gitlabProjectId, gitlabSource, type GitlabSourceOptions } from './gitlab-source.ts';
export { localGitSource, type LocalGitSourceOptions } from './local-git-source.ts';

/** The configuration file at one commit. */
export interface FetchedConfig {
  text: string;
  author: string;
  /** The commit's committer time, UTC ISO 8601, as the commit claims it (shown, never used for ordering). */
  committedAt: string;
}

/** Reads the configuration file as it is at a commit, and the branch history to place that commit in. */
export interface ConfigSource extends BranchHistory {
  fetch(commit: string, path: string): Promise<FetchedConfig>;
}
