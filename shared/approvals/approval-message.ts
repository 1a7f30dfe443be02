/**
 * The Slack message of an approval, as Block Kit: what it does, the traffic it moves, the guards
 * its dry run consulted, who asked and until when, and — while it is pending — Approve and Deny
 * buttons whose value is the approval's id. Once decided, expired or cancelled, the buttons are
 * gone and the message says who decided, when, and what came of it. Pure; bounded to Slack's
 * limits (3,000 characters per text object, 50 blocks).
 */
import type { ChatMessage, SlackBlock } from '../adapters/slack-chat.ts';
import type { ApprovalRecord, ApprovalState } from './approval-record.ts';

/** The `action_id`s of the two buttons; `/slack/interactions` routes on them. */
export const APPROVAL_ACTIONS = { approve: 'fleetpilot.approval.approve', deny: 'fleetpilot.approval.deny' } as const;

/** Most plan lines shown (the whole plan is on the API and the operation). */
const MAX_PLAN_LINES = 12;
/** Slack's limit for one text object. */
const MAX_TEXT = 3_000;

const TRAFFIC = /% of default traffic moves|traffic moves|share/i;
const GUARD = /guard|capacity|override|refus/i;

/** The line of an approval that is no longer pending; `by` and `at` are ` by X` and ` at T` or empty. */
const ENDED: Record<Exclude<ApprovalState, 'pending'>, (by: string, at: string) => string> = {
  approving: (by, at) => `:hourglass: Approved${by}${at}; the action is running`,
  approved: (by, at) => `:white_check_mark: Approved${by}${at}`,
  denied: (by, at) => `:no_entry: Denied${by}${at}`,
  expired: (_by, at) => `:alarm_clock: Expired${at}; nothing was done`,
  cancelled: (_by, at) => `:heavy_multiplication_x: Cancelled${at}`,
  failed: (by, at) => `:x: Approved${by}${at}, but the action failed`,
};

/** The message for `approval` in `channel`, in its current state. */
export function approvalMessage(approval: ApprovalRecord, channel: string): ChatMessage {
  const title = `${verb(approval)} needs a second person's approval`;
  const traffic = approval.plan.filter((l) => TRAFFIC.test(l));
  const guards = approval.plan.filter((l) => GUARD.test(l));
  const blocks: SlackBlock[] = [
    { type: 'header', text: plain(title.slice(0, 150)) },
    section(`*${escape(approval.summary)}*`),
    {
      type: 'section',
      fields: [
        field(`*Asked by*\n${escape(approval.requestedBy)}`),
        field(`*Why approval*\n${escape(approval.rule)}`),
        field(`*Traffic moved*\n${traffic.length > 0 ? traffic.map(escape).join('\n') : 'none measured by the dry run'}`),
        field(`*Guards*\n${guards.length > 0 ? guards.map(escape).join('\n') : 'no guard refuses it (dry run)'}`),
      ],
    },
    section(planText(approval)),
    { type: 'context', elements: [mrkdwn(`approval \`${approval.id}\` · expires ${approval.expiresAt}`)] },
  ];
  if (approval.state === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: `approval:${approval.id}`.slice(0, 255),
      elements: [
        button('Approve', APPROVAL_ACTIONS.approve, approval.id, 'primary'),
        button('Deny', APPROVAL_ACTIONS.deny, approval.id, 'danger'),
      ],
    });
  } else {
    blocks.push(section(decisionLine(approval)));
  }
  const state = approval.state === 'pending' ? 'waiting for approval' : decisionLine(approval).replace(/^:[a-z_]+: /, '');
  return { channel, text: `${title}: ${approval.summary} — ${state}`.slice(0, MAX_TEXT), blocks };
}

/** The plan's first lines (each cut at 300 characters) that fit one text object, and where the rest is. */
function planText(approval: ApprovalRecord): string {
  const lines: string[] = [];
  let size = '*Plan*'.length;
  for (const line of approval.plan.slice(0, MAX_PLAN_LINES)) {
    const shown = `• ${escape(line.length > 300 ? `${line.slice(0, 299)}…` : line)}`;
    if (size + shown.length + 1 > MAX_TEXT - 120) break;
    lines.push(shown);
    size += shown.length + 1;
  }
  const more = approval.plan.length - lines.length;
  if (more > 0) lines.push(`…and ${more} more line${more === 1 ? '' : 's'} (GET /v1/approvals/${approval.id})`);
  return ['*Plan*', ...lines].join('\n');
}

/** "Approved by X at T: outcome" and the like. */
function decisionLine(approval: ApprovalRecord): string {
  if (approval.state === 'pending') return 'waiting for approval';
  const by = approval.decidedBy ? ` by ${escape(approval.decidedBy)}` : '';
  const expired = approval.state === 'expired';
  // An expiry has no decider; its time is the approval's own, and its outcome says only that.
  const when = approval.decidedAt ?? (expired ? approval.expiresAt : undefined);
  const at = when ? ` at ${when}` : '';
  const outcome = approval.outcome && !expired ? `: ${escape(approval.outcome)}` : '';
  return `${ENDED[approval.state](by, at)}${outcome}`.slice(0, MAX_TEXT);
}

function verb(approval: ApprovalRecord): string {
  const request = approval.request;
  switch (request.type) {
    case 'drain':
      return `Drain of ${request.region}${request.overrideGuards?.length ? ` overriding ${request.overrideGuards.join(', ')}` : ''}`;
    case 'alert-drain':
      return `Alert drain of ${request.region} (incident ${request.incidentId})`;
    case 'offboard':
      return `Offboarding of ${Object.values(request.cluster).join('/')}`;
  }
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function mrkdwn(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text };
}

/** A section field: Slack takes at most 2,000 characters in one. */
function field(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: text.length > 2_000 ? `${text.slice(0, 1_999)}…` : text };
}

function plain(text: string): { type: 'plain_text'; text: string } {
  return { type: 'plain_text', text };
}

function button(label: string, actionId: string, value: string, style: 'primary' | 'danger'): SlackBlock {
  return { type: 'button', text: plain(label), action_id: actionId, value, style };
}

/** Slack's three control characters in mrkdwn; the rest of the text is shown as written. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
