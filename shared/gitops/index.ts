/** GitOps: pushed configuration revisions, their sources, commit statuses and the push flow. */
export { createConfigLoader, type ConfigLoaderOptions } from './config-source.ts';
export { COMMIT_ID, PROVIDER_TIMEOUT_MS, assertCommitSha, assertRepoPath, type FetchImpl } from './provider-http.ts';
export { createGitProvider, type GitProvider, type GitProviderOptions } from './providers.ts';
export { ancestryFromMergeBase, isBranchName, sameCommit, type Ancestry, type BranchHistory } from './history.ts';
export { placeCommit, type Placement } from './placement.ts';
export { handleGitPush, type GitOpsSource, type GitPushContext, type GitPushOptions } from './push-flow.ts';
export { GIT_PROVIDERS, gitPushMessageSchema, parseGitPushMessage, type GitPushMessage } from './push-message.ts';
export { renderRoutes, reportStatus, routesSummary, validateConfigText, type Validation } from './push-steps.ts';
export {
  APPLIED_ID,
  CONFIG_REVISIONS,
  FLEET_CONFIG,
  PLACEMENT_ATTEMPTS,
  REVISION_LIFETIME_MS,
  applyByHistory,
  readAppliedConfig,
  readRevision,
  recordRevision,
  type AppliedConfig,
  type ApplyDecision,
  type CommitRef,
  type PlaceAgainst,
  type RevisionInput,
  type RevisionRecord,
  type RevisionStatus,
} from './revisions.ts';
export {
  githubHeaders,
  githubRepoPath,
  githubSource,
  gitlabProjectId,
  gitlabSource,
  localGitSource,
  type ConfigSource,
  type FetchedConfig,
  type GithubSourceOptions,
  type GitlabSourceOptions,
  type LocalGitSourceOptions,
} from './sources.ts';
export {
  COMMIT_STATUSES,
  STATUS_CONTEXT,
  githubStatus,
  gitlabStatus,
  recordedStatus,
  statusDescription,
  type CommitState,
  type CommitStatusReporter,
  type GithubStatusOptions,
  type GitlabStatusOptions,
  type RecordedCommitStatus,
} from './status.ts';
