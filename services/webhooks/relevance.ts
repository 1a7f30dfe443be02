/**
 * Decides, purely, whether a Git push concerns fleetpilot's configuration: the configured
 * repository, the configured branch, and a commit that touches the configuration file. When the
 * push does not say which files changed (commit lists missing or truncated), it is treated as
 * relevant: the consumer re-reads the repository anyway, so a false positive costs one no-op.
 */

/** The files one commit added, modified or removed, as both providers report them. */
export interface CommitFiles {
  added?: readonly string[] | undefined;
  modified?: readonly string[] | undefined;
  removed?: readonly string[] | undefined;
}

/** What a push says, normalized from either provider. */
export interface PushSummary {
  /** `owner/name` (GitHub) or `group/…/name` (GitLab). */
  repository: string;
  /** The full ref, e.g. `refs/heads/main`. */
  ref: string;
  /** The commit the ref now points at; all zeros when the branch was deleted. */
  after: string;
  /** The provider said the ref was deleted. */
  deleted?: boolean;
  /** Commits with their file lists; undefined when the provider sent none. */
  commits?: readonly CommitFiles[] | undefined;
  /** True when the commit list may not cover the whole push (capped, forced, or a new branch). */
  truncated: boolean;
}

/** Which repository, branch and file fleetpilot follows. */
export interface PushFilter {
  repository: string;
  branch: string;
  /** Path of the fleet configuration inside the repository, e.g. `fleet.yaml`. */
  configPath: string;
}

/** The verdict: relevant (and on what basis), or not and why. */
export type Relevance = { relevant: true; basis: 'files' | 'unknown-files' } | { relevant: false; reason: string };

/** True for the all-zero object id Git uses for "no commit" (branch created or deleted). */
export function isZeroSha(sha: string): boolean {
  return /^0+$/.test(sha);
}

/** Strips `./` and leading slashes so `./fleet.yaml`, `/fleet.yaml` and `fleet.yaml` compare equal. */
export function normalizePath(path: string): string {
  return path.trim().replace(/^(\.\/|\/)+/, '');
}

/** Whether `push` concerns the configuration `filter` names. */
export function pushRelevance(push: PushSummary, filter: PushFilter): Relevance {
  if (push.repository.toLowerCase() !== filter.repository.toLowerCase()) {
    return { relevant: false, reason: `repository ${push.repository} is not ${filter.repository}` };
  }
  const wanted = `refs/heads/${filter.branch}`;
  if (push.ref !== wanted) return { relevant: false, reason: `ref ${push.ref} is not ${wanted}` };
  if (push.deleted === true || isZeroSha(push.after)) return { relevant: false, reason: `branch ${filter.branch} was deleted` };
  const commits = push.commits;
  if (push.truncated || commits === undefined) return { relevant: true, basis: 'unknown-files' };
  if (commits.some((commit) => !commit.added && !commit.modified && !commit.removed)) return { relevant: true, basis: 'unknown-files' };
  const path = normalizePath(filter.configPath);
  const touches = (files: readonly string[] | undefined) => files?.some((file) => normalizePath(file) === path) ?? false;
  if (commits.some((commit) => touches(commit.added) || touches(commit.modified) || touches(commit.removed))) {
    return { relevant: true, basis: 'files' };
  }
  return { relevant: false, reason: `no commit touches ${path}` };
}
