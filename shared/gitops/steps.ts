/** The names of the git-push flow's steps, for the views and tests that read them. */
export const GITOPS_STEPS = {
  fetch: (path: string, shortCommit: string) => `fetch ${path} at ${shortCommit}`,
  recordRejected: 'record rejected revision',
  recordRevision: 'record revision; apply where the branch history places it',
  newerApplied: 'newer commit applied meanwhile',
} as const;
