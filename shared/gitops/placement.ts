/**
 * Places a pushed commit in its branch's history against the applied one. The branch as it is now
 * is the truth: its head is always right to apply; any other commit is applied only when it is
 * still on the branch and the applied commit is not (a force-push moved it away) or comes before
 * it. A late delivery of an older push, or one whose commit the branch no longer contains, is
 * superseded; a commit the history cannot place is recorded and not applied. Commit dates are not
 * read at all.
 */
import { TerminalError } from '../core/errors.ts';
import { sameCommit, type BranchHistory } from './history.ts';
import { shortSha } from './provider-http.ts';

/** Where a pushed commit stands: apply it, or not and why. */
export type Placement =
  { verdict: 'apply'; reason: string } | { verdict: 'superseded'; by: string; reason: string } | { verdict: 'unplaced'; reason: string };

/**
 * Places `commit` on `branch` against `applied` (the commit in force, if any). Transient failures
 * of the history are thrown (the push is retried); a terminal one makes the commit unplaced.
 */
export async function placeCommit(history: BranchHistory, branch: string, commit: string, applied?: string): Promise<Placement> {
  try {
    return await place(history, branch, commit, applied);
  } catch (error) {
    if (!(error instanceof TerminalError)) throw error;
    return { verdict: 'unplaced', reason: `cannot place ${shortSha(commit)} in the history of ${branch}: ${error.message}` };
  }
}

async function place(history: BranchHistory, branch: string, commit: string, applied: string | undefined): Promise<Placement> {
  const head = await history.head(branch);
  const at = `${branch} is at ${shortSha(head)}`;
  if (sameCommit(head, commit)) return { verdict: 'apply', reason: `${shortSha(commit)} is the head of ${branch}` };
  const onBranch = await history.compare(commit, head);
  if (onBranch === 'identical') return { verdict: 'apply', reason: `${shortSha(commit)} is the head of ${branch}` };
  if (onBranch !== 'ahead') return { verdict: 'superseded', by: head, reason: `${at}, which does not contain ${shortSha(commit)}` };
  if (!applied) return { verdict: 'apply', reason: `${shortSha(commit)} is on ${branch} and nothing is applied yet` };
  const appliedOnBranch = await history.compare(applied, head);
  if (appliedOnBranch !== 'ahead' && appliedOnBranch !== 'identical') {
    return { verdict: 'apply', reason: `${at}: the applied ${shortSha(applied)} is no longer on it and ${shortSha(commit)} is` };
  }
  const order = await history.compare(applied, commit);
  if (order === 'ahead') return { verdict: 'apply', reason: `${shortSha(commit)} follows the applied ${shortSha(applied)} on ${branch}` };
  if (order === 'diverged') {
    return {
      verdict: 'unplaced',
      reason: `neither ${shortSha(commit)} nor the applied ${shortSha(applied)} contains the other, though ${at} and contains both`,
    };
  }
  return {
    verdict: 'superseded',
    by: applied,
    reason: `the applied ${shortSha(applied)} already follows ${shortSha(commit)} on ${branch}`,
  };
}
