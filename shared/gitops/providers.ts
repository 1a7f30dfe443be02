/**
 * Builds the configuration source and the commit status reporter for one Git host from plain
 * options, so a composition root passes what it read from the environment (token included) and
 * nothing here reads `process.env`.
 */
import type { Store } from '../adapters/firestore.ts';
import type { Clock } from '../core/clock.ts';
import { TerminalError } from '../core/errors.ts';
import type { FetchImpl } from './provider-http.ts';
import type { GitPushMessage } from './push-message.ts';
import { githubSource, gitlabSource, localGitSource, type ConfigSource } from './sources.ts';
import { githubStatus, gitlabStatus, recordedStatus, type CommitStatusReporter } from './status.ts';

/** Options of {@link createGitProvider}. */
export interface GitProviderOptions {
  provider: GitPushMessage['provider'];
  /** `owner/repo` (GitHub) or `group/project` (GitLab). */
  repository?: string;
  /** API token; statuses are recorded in Firestore when a hosted provider has none. */
  token?: string;
  /** API base URL (GitHub Enterprise, self-managed GitLab, a local double). */
  baseUrl?: string;
  /** The local repository (provider `local`). */
  repoDir?: string;
  store: Store;
  clock?: Clock;
  fetchImpl?: FetchImpl;
}

/** A configuration source and a status reporter for one Git host. */
export interface GitProvider {
  source: ConfigSource;
  status: CommitStatusReporter;
}

/** Builds the source and status reporter for `options.provider`. */
export function createGitProvider(options: GitProviderOptions): GitProvider {
  const { token, baseUrl, fetchImpl } = options;
  const recorded = () => recordedStatus(options.store, options.clock);
  if (options.provider === 'local') {
    if (!options.repoDir) throw new TerminalError('the local Git provider needs a repository directory');
    return { source: localGitSource({ repoDir: options.repoDir }), status: recorded() };
  }
  const repository = options.repository;
  if (!repository) throw new TerminalError(`the ${options.provider} provider needs a repository`);
  if (options.provider === 'github') {
    return {
      source: githubSource({ repository, token, baseUrl, fetchImpl }),
      status: token ? githubStatus({ repository, token, baseUrl, fetchImpl }) : recorded(),
    };
  }
  return {
    source: gitlabSource({ project: repository, token, baseUrl, fetchImpl }),
    status: token ? gitlabStatus({ project: repository, token, baseUrl, fetchImpl }) : recorded(),
  };
}
