/**
 * Reports a pushed configuration's result back on its commit: a GitHub commit status, a GitLab
 * commit status, or (sandbox) a Firestore document. Reporting is best effort: the caller logs a
 * failure and carries on.
 */
import type { Store } from '../adapters/firestore.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { assertCommitSha, providerRequest, shortSha, type FetchImpl } from './provider-http.ts';
import { githubHeaders, githubRepoPath, gitlabProjectId } from './sources.ts';

/** A commit status state, in GitHub's vocabulary. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** Sets the status of a commit. */
export interface CommitStatusReporter {
  report(commit: string, state: CommitState, description: string): Promise<void>;
}

/** The status name (GitHub context, GitLab name) used unless configured otherwise. */
export const STATUS_CONTEXT = 'fleetpilot/config';

/** The Firestore collection {@link recordedStatus} writes. */
export const COMMIT_STATUSES = 'commitStatuses';

/** GitHub accepts descriptions of at most 140 characters. */
export function statusDescription(text: string, max = 140): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** Options of {@link githubStatus}. */
export interface GithubStatusOptions {
  repository: string;
  token: string;
  baseUrl?: string;
  fetchImpl?: FetchImpl;
  context?: string;
}

/** Posts GitHub commit statuses (`POST /repos/{owner}/{repo}/statuses/{sha}`). */
export function githubStatus(options: GithubStatusOptions): CommitStatusReporter {
  const repo = githubRepoPath(options.repository);
  const base = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const fetchImpl = options.fetchImpl ?? fetch;
  return {
    async report(commit, state, description) {
      assertCommitSha(commit);
      await providerRequest(
        fetchImpl,
        `${base}/repos/${repo}/statuses/${commit}`,
        {
          method: 'POST',
          headers: { ...githubHeaders(options.token), 'Content-Type': 'application/json' },
          body: JSON.stringify({ state, description: statusDescription(description), context: options.context ?? STATUS_CONTEXT }),
        },
        `GitHub status of ${shortSha(commit)} in ${options.repository}`,
      );
    },
  };
}

/** Options of {@link gitlabStatus}. */
export interface GitlabStatusOptions {
  project: string;
  token: string;
  baseUrl?: string;
  fetchImpl?: FetchImpl;
  name?: string;
}

const GITLAB_STATE: Record<CommitState, string> = { pending: 'pending', success: 'success', failure: 'failed', error: 'failed' };

/** Posts GitLab commit statuses (`POST /projects/{id}/statuses/{sha}`). */
export function gitlabStatus(options: GitlabStatusOptions): CommitStatusReporter {
  const project = gitlabProjectId(options.project);
  const base = (options.baseUrl ?? 'https://gitlab.com/api/v4').replace(/\/+$/, '');
  const fetchImpl = options.fetchImpl ?? fetch;
  return {
    async report(commit, state, description) {
      assertCommitSha(commit);
      try {
        await providerRequest(
          fetchImpl,
          `${base}/projects/${project}/statuses/${commit}`,
          {
            method: 'POST',
            headers: { 'PRIVATE-TOKEN': options.token, 'Content-Type': 'application/json' },
            body: JSON.stringify({
              state: GITLAB_STATE[state],
              name: options.name ?? STATUS_CONTEXT,
              description: statusDescription(description),
            }),
          },
          `GitLab status of ${shortSha(commit)} in ${options.project}`,
        );
      } catch (error) {
        // GitLab refuses to set a status to the state it already has (a redelivered push): nothing to do.
        if (error instanceof Error && /Cannot transition status/i.test(error.message)) return;
        throw error;
      }
    },
  };
}

/** A stored commit status (sandbox). */
export interface RecordedCommitStatus {
  commit: string;
  state: CommitState;
  description: string;
  context: string;
  reportedAt: string;
}

/** Writes `commitStatuses/{commit}` documents: the sandbox's stand-in for a Git host. */
export function recordedStatus(store: Store, clock: Clock = systemClock): CommitStatusReporter {
  return {
    async report(commit, state, description) {
      const status: RecordedCommitStatus = {
        commit,
        state,
        description: statusDescription(description),
        context: STATUS_CONTEXT,
        reportedAt: clock.now().toISOString(),
      };
      await store.set(COMMIT_STATUSES, commit, { ...status });
    },
  };
}
