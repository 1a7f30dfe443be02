/**
 * The `/fleet` slash command's text, parsed without side effects: `status`, `help`,
 * `drain REGION REASON`, `restore REGION [REASON]` and their dry runs `plan drain …` / `plan restore …`,
 * and `approvals`, `approve ID [REASON]`, `deny ID [REASON]`.
 * Anything else yields the help text; a malformed command yields an `invalid` result with a message.
 */
import type { Role } from '../api/principal.ts';
import { REGION_EXAMPLE, isRegionName } from '../../shared/config/region-name.ts';
import { OVERRIDABLE_GUARDS, type OverridableGuard } from '../../shared/failover/index.ts';

/** The slash command this parser serves. */
export const SLACK_COMMAND = '/fleet';

/** Longest command text accepted, in characters. */
export const MAX_COMMAND_TEXT = 1000;

/** The lines of the help text. */
export const HELP_TEXT = [
  `Usage: ${SLACK_COMMAND} COMMAND`,
  `• ${SLACK_COMMAND} status: the state of the fleet`,
  `• ${SLACK_COMMAND} drain REGION REASON: move traffic away from a region (operator)`,
  `• ${SLACK_COMMAND} drain REGION --override GUARD REASON: break glass, drain although GUARD (${OVERRIDABLE_GUARDS.join(' or ')}) refuses it (admin)`,
  `• ${SLACK_COMMAND} restore REGION [REASON]: send traffic to a drained region again (operator)`,
  `• ${SLACK_COMMAND} plan drain REGION REASON: show what a drain would do, changing nothing`,
  `• ${SLACK_COMMAND} plan restore REGION [REASON]: show what a restore would do, changing nothing`,
  `• ${SLACK_COMMAND} approvals: requests waiting for a second person's approval`,
  `• ${SLACK_COMMAND} approve ID [REASON] / ${SLACK_COMMAND} deny ID [REASON]: decide one you did not ask for (operator; admin for overrides and offboardings)`,
  `• ${SLACK_COMMAND} help: this message`,
].join('\n');

/** A parsed command. `drain` and `restore` with `dryRun` are the `plan` forms. */
export type FleetCommand =
  | { kind: 'help'; text: string }
  | { kind: 'status' }
  | { kind: 'drain' | 'restore'; region: string; reason: string; dryRun: boolean; overrideGuards?: OverridableGuard[] }
  | { kind: 'approvals' }
  | { kind: 'approve' | 'deny'; id: string; reason: string }
  | { kind: 'invalid'; message: string };

/** Parses the text that follows `/fleet`. Never throws. */
export function parseFleetCommand(text: string): FleetCommand {
  if (text.length > MAX_COMMAND_TEXT) return invalid(`command text is longer than ${MAX_COMMAND_TEXT} characters`);
  const [verb, rest] = nextWord(text);
  switch (verb.toLowerCase()) {
    case '':
    case 'help':
      return { kind: 'help', text: HELP_TEXT };
    case 'status':
      return rest ? invalid(`${SLACK_COMMAND} status takes no arguments`) : { kind: 'status' };
    case 'drain':
    case 'restore':
      return regionCommand(verb.toLowerCase() as 'drain' | 'restore', rest, false);
    case 'approvals':
      return rest ? invalid(`${SLACK_COMMAND} approvals takes no arguments`) : { kind: 'approvals' };
    case 'approve':
    case 'deny': {
      const [id, reason] = nextWord(rest);
      if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(id)) return invalid(`usage: ${SLACK_COMMAND} ${verb.toLowerCase()} APPROVAL_ID [REASON]`);
      return { kind: verb.toLowerCase() as 'approve' | 'deny', id, reason };
    }
    case 'plan': {
      const [action, args] = nextWord(rest);
      const kind = action.toLowerCase();
      if (kind === 'drain' || kind === 'restore') return regionCommand(kind, args, true);
      return invalid(`usage: ${usage('drain', true)} or ${usage('restore', true)}`);
    }
    default:
      return { kind: 'help', text: `unknown command "${shorten(verb)}".\n${HELP_TEXT}` };
  }
}

/** The least role that may run a command: reading and dry runs need viewer, changes operator, breaking a guard admin. */
export function requiredRole(command: FleetCommand): Role {
  if ((command.kind === 'drain' || command.kind === 'restore') && !command.dryRun) return command.overrideGuards ? 'admin' : 'operator';
  if (command.kind === 'approve' || command.kind === 'deny') return 'operator';
  return 'viewer';
}

/** The command as it is named in messages and logs: `status`, `drain`, `plan restore`, ... */
export function commandName(command: FleetCommand): string {
  if (command.kind === 'drain' || command.kind === 'restore') return command.dryRun ? `plan ${command.kind}` : command.kind;
  return command.kind;
}

function regionCommand(kind: 'drain' | 'restore', text: string, dryRun: boolean): FleetCommand {
  const [region, afterRegion] = nextWord(text);
  if (!region) return invalid(`region required: ${usage(kind, dryRun)}`);
  if (!isRegionName(region)) return invalid(`invalid region "${shorten(region)}": expected ${REGION_EXAMPLE}`);
  const [flag, afterFlag] = nextWord(afterRegion);
  let reason = afterRegion;
  let overrideGuards: OverridableGuard[] | undefined;
  if (flag === '--override') {
    if (kind !== 'drain') return invalid(`--override is for drains only: ${usage(kind, dryRun)}`);
    const [names, rest] = nextWord(afterFlag);
    const guards = names.split(',').filter(Boolean);
    const unknown = guards.filter((g) => !(OVERRIDABLE_GUARDS as readonly string[]).includes(g));
    if (guards.length === 0 || unknown.length > 0)
      return invalid(
        `--override takes ${OVERRIDABLE_GUARDS.join(' or ')}${unknown.length > 0 ? `, not "${shorten(unknown.join(','))}"` : ''}`,
      );
    overrideGuards = [...new Set(guards as OverridableGuard[])].sort();
    reason = rest;
  }
  if (kind === 'drain' && !reason) return invalid(`reason required: ${usage(kind, dryRun)}`);
  return { kind, region, reason, dryRun, ...(overrideGuards ? { overrideGuards } : {}) };
}

function usage(kind: 'drain' | 'restore', dryRun: boolean): string {
  return `${SLACK_COMMAND} ${dryRun ? 'plan ' : ''}${kind} REGION ${kind === 'drain' ? 'REASON' : '[REASON]'}`;
}

/** The first whitespace-separated word and the trimmed text after it. */
function nextWord(text: string): [string, string] {
  const match = /^\s*(\S+)([\s\S]*)$/.exec(text);
  return match ? [match[1] ?? '', (match[2] ?? '').trim()] : ['', ''];
}

function shorten(word: string): string {
  return word.length > 40 ? `${word.slice(0, 40)}…` : word;
}

function invalid(message: string): FleetCommand {
  return { kind: 'invalid', message };
}
