/**
 * Keeping Slack in step with the approvals: a pending approval without a message is posted (with
 * its Approve / Deny buttons); a message that shows another state than its approval's is replaced
 * (who decided, when, the outcome; no buttons). Level-based: the tick runs it over the recent
 * approvals, so a post that failed, an alert's proposal (made where no bot token is) and an expiry
 * all reach Slack; the service runs it for one approval right after a request or a decision, so
 * the person who clicked sees the result at once.
 *
 * Two posters (the tick and the service) cannot both post one approval: a poster first claims the
 * post in a transaction; a claim older than {@link CLAIM_MS} (a poster that died) can be taken over.
 */
import type { ApprovalsChat } from '../adapters/slack-chat.ts';
import type { Needs } from '../core/context.ts';
import { isRetryable } from '../core/errors.ts';
import { approvalMessage } from './approval-message.ts';
import { readApproval, updateApproval, type ApprovalRecord } from './approval-record.ts';

/** How long a claim to post holds before another poster may take it over. */
export const CLAIM_MS = 60_000;

/** What the sync needs. */
export type ApprovalSlackContext = Needs<'store' | 'clock' | 'log'> & { approvalsChat?: ApprovalsChat };

/** The Slack work for a set of approvals at `now`. Pure. */
export function planApprovalMessages(approvals: readonly ApprovalRecord[], now: number): { post: string[]; update: string[] } {
  const post: string[] = [];
  const update: string[] = [];
  for (const a of approvals) {
    if (a.slack?.ts) {
      if (a.slack.shown !== a.state) update.push(a.id);
    } else if (a.state === 'pending' && Date.parse(a.expiresAt) > now && !claimHeld(a, now)) post.push(a.id);
  }
  return { post, update };
}

/** Posts and updates the messages of `approvals`; returns one line per message written. Never throws. */
export async function syncApprovalMessages(deps: ApprovalSlackContext, approvals: readonly ApprovalRecord[]): Promise<string[]> {
  const slack = deps.approvalsChat;
  if (!slack) return [];
  const plan = planApprovalMessages(approvals, deps.clock.now().getTime());
  const lines: string[] = [];
  const work = [...plan.post.map((id) => ({ id, write: post })), ...plan.update.map((id) => ({ id, write: update }))];
  for (const { id, write } of work) {
    try {
      const line = await write(deps, slack, id);
      if (line) lines.push(line);
    } catch (error) {
      const level = isRetryable(error) ? 'warn' : 'error';
      deps.log[level]('approval message not written to Slack; the next tick tries again', { approvalId: id, error });
    }
  }
  return lines;
}

/** Brings one approval's message up to date (after a request or a decision). Never throws. */
export async function showApproval(deps: ApprovalSlackContext, id: string): Promise<void> {
  if (!deps.approvalsChat) return;
  try {
    const approval = await readApproval(deps.store, id);
    if (approval) await syncApprovalMessages(deps, [approval]);
  } catch (error) {
    deps.log.warn('approval not read for its Slack message; the next tick tries again', { approvalId: id, error });
  }
}

async function post(deps: ApprovalSlackContext, slack: ApprovalsChat, id: string): Promise<string | undefined> {
  const now = deps.clock.now();
  const claimed = await updateApproval(deps.store, id, (current) => {
    if (current.slack?.ts || claimHeld(current, now.getTime())) return 'already posted or being posted';
    if (current.state !== 'pending') return `${current.state}: not posted`;
    return { ...current, slack: { channel: slack.channel, claimedAt: now.toISOString() } };
  });
  if (typeof claimed === 'string') return undefined;
  let where: { channel: string; ts: string };
  try {
    where = await slack.chat.post(approvalMessage(claimed, slack.channel));
  } catch (error) {
    // Let the next poster try at once rather than after the claim runs out.
    await updateApproval(deps.store, id, (current) => (current.slack?.ts ? 'posted' : { ...current, slack: { channel: slack.channel } }));
    throw error;
  }
  await updateApproval(deps.store, id, (current) => ({
    ...current,
    slack: { channel: where.channel, ts: where.ts, shown: claimed.state },
  }));
  deps.log.info('approval posted to Slack', { approvalId: id, channel: where.channel, ts: where.ts });
  return `approval ${id} posted to Slack`;
}

async function update(deps: ApprovalSlackContext, slack: ApprovalsChat, id: string): Promise<string | undefined> {
  const current = await readApproval(deps.store, id);
  const ts = current?.slack?.ts;
  if (!current || !ts || current.slack?.shown === current.state) return undefined;
  await slack.chat.update({ ...approvalMessage(current, current.slack!.channel), ts });
  const saved = await updateApproval(deps.store, id, (latest) =>
    latest.slack?.ts === ts ? { ...latest, slack: { ...latest.slack, shown: current.state } } : 'moved',
  );
  if (typeof saved === 'string') return undefined;
  deps.log.info('approval message updated in Slack', { approvalId: id, state: current.state });
  return `approval ${id} message shows ${current.state}`;
}

function claimHeld(approval: ApprovalRecord, now: number): boolean {
  const at = approval.slack?.claimedAt;
  return at !== undefined && now - Date.parse(at) < CLAIM_MS;
}
