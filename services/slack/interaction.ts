/**
 * A verified Slack interaction: a click on an approval's Approve or Deny button. Slack posts it as
 * a form with one field, `payload`, holding JSON (a `block_actions` payload). The click is
 * acknowledged at once (Slack waits 3 s); the decision runs in the background as the clicking
 * user's principal, with the same rules as the API (never the requester, the admin role for
 * anything but a drain), and the approval's message is then updated to show who decided (see
 * shared/approvals/approval-slack.ts). A click that cannot be acted on is answered to the user
 * alone, through the payload's `response_url`.
 */
import { z } from 'zod';
import { APPROVAL_ACTIONS } from '../../shared/approvals/index.ts';
import { grants, type Principal } from '../api/principal.ts';
import { ApiError } from '../http-errors.ts';
import { SLACK_REPLAY_WINDOW_MS, type SlackDeps } from './deps.ts';
import { allowedResponseUrl, postResponse } from './request.ts';
import { slackMarkerKey } from './verify.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const ACTIONS: Record<string, 'approve' | 'deny'> = { [APPROVAL_ACTIONS.approve]: 'approve', [APPROVAL_ACTIONS.deny]: 'deny' };

/** The fields of a `block_actions` payload fleetpilot reads (Slack sends many more). */
const blockActionsSchema = z.object({
  type: z.literal('block_actions', { error: 'only block_actions payloads (button clicks) are handled' }),
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id') }),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2_000).optional() }))
    .min(1, 'must name the action clicked'),
  response_url: z.string().max(2_000).optional(),
});

/** One click, as read from a verified body. */
export interface ApprovalClick {
  userId: string;
  decision: 'approve' | 'deny';
  approvalId: string;
  responseUrl?: string;
}

/** Reads the click from the raw body; a 400 naming what is wrong otherwise. */
export function parseInteraction(raw: Uint8Array, responseUrlPrefixes: readonly string[]): ApprovalClick {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ApiError(400, 'invalid_argument', 'body is not valid UTF-8');
  }
  const field = new URLSearchParams(text).get('payload');
  if (!field) throw new ApiError(400, 'invalid_argument', 'missing form field payload', { path: 'payload' });
  let json: unknown;
  try {
    json = JSON.parse(field);
  } catch {
    throw new ApiError(400, 'invalid_argument', 'payload is not JSON', { path: 'payload' });
  }
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['payload', ...issue.path.map(String)].join('.');
    throw new ApiError(400, 'invalid_argument', `${path}: ${issue.message}`, { path });
  }
  const action = parsed.data.actions[0]!;
  const decision = ACTIONS[action.action_id];
  if (!decision)
    throw new ApiError(400, 'invalid_argument', `payload.actions.0.action_id: not a fleetpilot action`, {
      path: 'payload.actions.0.action_id',
    });
  if (!action.value || !/^[A-Za-z0-9._:-]{1,200}$/.test(action.value))
    throw new ApiError(400, 'invalid_argument', 'payload.actions.0.value: must be an approval id', { path: 'payload.actions.0.value' });
  const url = parsed.data.response_url;
  return {
    userId: parsed.data.user.id,
    decision,
    approvalId: action.value,
    ...(url ? { responseUrl: allowedResponseUrl(url, responseUrlPrefixes) } : {}),
  };
}

/** Handles one verified click: replays and unmapped users are answered, decisions run in the background. */
export async function handleInteraction(deps: SlackDeps, click: ApprovalClick, signature: string): Promise<void> {
  const log = deps.log.child({ component: 'slack' });
  const fields = { user: click.userId, approvalId: click.approvalId, decision: click.decision };
  if (!(await deps.store.markOnce(slackMarkerKey(signature), SLACK_REPLAY_WINDOW_MS, { source: 'slack', user: click.userId }))) {
    log.info('slack click replayed', fields);
    return;
  }
  const principalId = Object.hasOwn(deps.users, click.userId) ? deps.users[click.userId] : undefined;
  const role = principalId ? deps.roleOf(principalId) : undefined;
  if (!principalId || !role || !grants(role, 'operator')) {
    log.warn('slack click refused', { ...fields, outcome: principalId ? 'denied' : 'unmapped' });
    const why = principalId
      ? `permission denied: deciding an approval needs the operator role; ${role ? `you are ${role}` : 'you have no role'}`
      : 'your Slack user is not mapped to a fleetpilot principal';
    deps.background(tell(deps, log, click, why));
    return;
  }
  const principal: Principal = { id: principalId, role, via: 'slack' };
  log.info('slack click accepted', { ...fields, principal: principal.id });
  deps.background(decide(deps, log, principal, click));
}

async function decide(deps: SlackDeps, log: SlackDeps['log'], principal: Principal, click: ApprovalClick): Promise<void> {
  try {
    const result = await deps.ops.decide(principal, {
      id: click.approvalId,
      decision: click.decision,
      reason: `${click.decision === 'approve' ? 'approved' : 'denied'} in Slack`,
    });
    log.info('slack click decided', { approvalId: click.approvalId, principal: principal.id, summary: result.summary });
  } catch (error) {
    const known = error instanceof ApiError && error.status < 500;
    if (known) log.warn('slack click refused', { approvalId: click.approvalId, principal: principal.id, code: error.code });
    else log.error('slack click failed', { approvalId: click.approvalId, principal: principal.id, error });
    await tell(deps, log, click, known ? `failed: ${error.message}` : 'failed: internal error (see the operation log)');
  }
}

/** Tells the clicking user alone, leaving the approval's message as it is. Never rejects. */
async function tell(deps: SlackDeps, log: SlackDeps['log'], click: ApprovalClick, text: string): Promise<void> {
  if (!click.responseUrl) return;
  await postResponse(
    deps,
    log,
    click.responseUrl,
    { response_type: 'ephemeral', replace_original: false, text },
    { approvalId: click.approvalId },
  );
}
