/**
 * What happens to a verified slash command: replays are dropped, the Slack user is mapped to a
 * principal, the text is parsed and the role checked. Help and errors are answered at once; an
 * operation is started in the background and acknowledged immediately, and its outcome is posted
 * to the response URL later.
 */
import { ApiError } from '../http-errors.ts';
import { grants, type Principal } from '../api/principal.ts';
import type { LogFields } from '../../shared/core/logger.ts';
import { commandName, parseFleetCommand, requiredRole, SLACK_COMMAND, type FleetCommand } from './command.ts';
import { SLACK_REPLAY_WINDOW_MS, type SlackDeps, type SlackOpResult } from './deps.ts';
import { postResponse, type SlackCommandForm } from './request.ts';
import { slackMarkerKey, slackRequestId } from './verify.ts';

/** A message for Slack: shown only to the caller (`ephemeral`) or to the whole channel. */
export interface SlackMessage {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
}

/** A command whose signature has been verified; `signature` is the header as sent. */
export interface SignedCommand extends SlackCommandForm {
  signature: string;
}

/** Shown when the caller's Slack user has no principal. */
export const UNMAPPED_USER_TEXT = 'your Slack user is not mapped to a fleetpilot principal';
/** Shown for a repeat of a request already received. */
export const REPLAY_TEXT = 'this request was already received; the repeat was ignored';
/** Shown to the caller when an operation fails for a reason they cannot act on. */
export const INTERNAL_FAILURE_TEXT = 'failed: internal error (see the operation log)';

/** Decides the immediate answer to one command; an operation it starts runs in `deps.background`. */
export async function handleCommand(deps: SlackDeps, request: SignedCommand): Promise<SlackMessage> {
  const log = deps.log.child({ component: 'slack' });
  const user = request.userId;
  let fresh: boolean;
  try {
    fresh = await deps.store.markOnce(slackMarkerKey(request.signature), SLACK_REPLAY_WINDOW_MS, { source: 'slack', user });
  } catch (error) {
    log.error('slack replay marker not written', { user, error });
    return ephemeral('fleetpilot could not record this request; try again in a moment');
  }
  if (!fresh) {
    log.info('slack request replayed', { user });
    return ephemeral(REPLAY_TEXT);
  }

  const principalId = Object.hasOwn(deps.users, user) ? deps.users[user] : undefined;
  if (typeof principalId !== 'string' || principalId === '') {
    log.warn('slack user not mapped', { user });
    return ephemeral(UNMAPPED_USER_TEXT);
  }
  const command = parseFleetCommand(request.text);
  const name = commandName(command);
  const region = command.kind === 'drain' || command.kind === 'restore' ? command.region : undefined;
  const fields: LogFields = { user, principal: principalId, command: name, ...(region ? { region } : {}) };
  const role = deps.roleOf(principalId);
  const required = requiredRole(command);
  if (!role || !grants(role, required)) {
    log.info('slack command handled', { ...fields, outcome: 'denied' });
    const held = role ? `you are ${role}` : 'you have no role';
    return ephemeral(`permission denied: ${SLACK_COMMAND} ${name} needs the ${required} role; ${held}`);
  }
  if (command.kind === 'help' || command.kind === 'invalid') {
    log.info('slack command handled', { ...fields, outcome: command.kind });
    return ephemeral(command.kind === 'help' ? command.text : command.message);
  }

  const principal: Principal = { id: principalId, role, via: 'slack' };
  const requestId = slackRequestId(request.signature);
  log.info('slack command handled', { ...fields, outcome: 'started', requestId });
  deps.background(
    runOperation(deps, log, { ...fields, requestId }, request.responseUrl, () => startOperation(deps, principal, command, requestId)),
  );
  return ephemeral(`Working on it: ${SLACK_COMMAND} ${name}${region ? ` ${region}` : ''}`);
}

function startOperation(deps: SlackDeps, principal: Principal, command: FleetCommand, requestId: string): Promise<SlackOpResult> {
  switch (command.kind) {
    case 'drain':
    case 'restore':
      return deps.ops[command.kind](principal, {
        region: command.region,
        reason: command.reason,
        dryRun: command.dryRun,
        requestId,
        ...(command.overrideGuards ? { overrideGuards: command.overrideGuards } : {}),
      });
    case 'approvals':
      return deps.ops.approvals(principal);
    case 'approve':
    case 'deny':
      return deps.ops.decide(principal, { id: command.id, decision: command.kind, reason: command.reason });
    default:
      return deps.ops.status(principal);
  }
}

/** Runs the operation and posts its outcome to the response URL. Never rejects. */
async function runOperation(
  deps: SlackDeps,
  log: SlackDeps['log'],
  fields: LogFields,
  responseUrl: string,
  operation: () => Promise<SlackOpResult>,
): Promise<void> {
  let message: SlackMessage;
  try {
    const result = await operation();
    message = { response_type: 'in_channel', text: result.text ? `${result.summary}\n${result.text}` : result.summary };
    log.info('slack command finished', fields);
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      message = ephemeral(`failed: ${error.message}`);
      log.warn('slack command refused', { ...fields, code: error.code, error });
    } else {
      message = ephemeral(INTERNAL_FAILURE_TEXT);
      log.error('slack command failed', { ...fields, error });
    }
  }
  await postResponse(deps, log, responseUrl, message, fields);
}

function ephemeral(text: string): SlackMessage {
  return { response_type: 'ephemeral', text };
}
