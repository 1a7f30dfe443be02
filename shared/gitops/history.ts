/**
 * What a Git host says about a branch's history: where the branch points now, and how two commits
 * stand in the commit graph. Revisions are ordered by this alone; commit dates are whatever the
 * committer's clock said and never decide anything.
 */

/**
 * Where `head` stands relative to `base`, in the vocabulary of GitHub's compare API: `ahead` means
 * `base` is an ancestor of `head`, `behind` that `head` is an ancestor of `base`, `diverged` that
 * neither contains the other.
 */
export type Ancestry = 'identical' | 'ahead' | 'behind' | 'diverged';

/** The branch history questions a configuration source answers. */
export interface BranchHistory {
  /** The commit `branch` points at now; a TerminalError when the branch does not exist. */
  head(branch: string): Promise<string>;
  /** How `head` relates to `base`; a TerminalError when either commit is unknown or they share no history. */
  compare(base: string, head: string): Promise<Ancestry>;
}

/** The ancestry of two commits from their merge base (GitLab's merge_base, `git merge-base`). */
export function ancestryFromMergeBase(base: string, head: string, mergeBase: string): Ancestry {
  const baseIsMerge = sameCommit(base, mergeBase);
  const headIsMerge = sameCommit(head, mergeBase);
  if (baseIsMerge && headIsMerge) return 'identical';
  if (baseIsMerge) return 'ahead';
  if (headIsMerge) return 'behind';
  return 'diverged';
}

/** True when two commit ids name the same commit (either may be abbreviated). */
export function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length <= y.length ? y.startsWith(x) : x.startsWith(y);
}

/** A branch name as `git check-ref-format --branch` accepts it, and never one that reads as an option. */
export function isBranchName(branch: string): boolean {
  return (
    // eslint-disable-next-line no-control-regex
    /^[^\s~^:?*[\\\x00-\x1f\x7f]{1,255}$/.test(branch) &&
    !branch.includes('@{') &&
    !branch.startsWith('-') &&
    !branch.startsWith('/') &&
    !branch.endsWith('/') &&
    !branch.endsWith('.lock') &&
    !branch.includes('..') &&
    !branch.includes('//')
  );
}
