import { describe, expect, it } from 'vitest';
import type { Role } from '../../services/api/principal.ts';
import {
  commandName,
  HELP_TEXT,
  MAX_COMMAND_TEXT,
  parseFleetCommand,
  requiredRole,
  type FleetCommand,
} from '../../services/slack/command.ts';

const help: FleetCommand = { kind: 'help', text: HELP_TEXT };
const drain = (region: string, reason: string, dryRun = false) => ({ kind: 'drain' as const, region, reason, dryRun });
const restore = (region: string, reason: string, dryRun = false): FleetCommand => ({ kind: 'restore', region, reason, dryRun });
const invalid = (message: string): FleetCommand => ({ kind: 'invalid', message });

describe('parseFleetCommand', () => {
  const cases: Array<[string, FleetCommand]> = [
    ['', help],
    ['   ', help],
    ['help', help],
    ['HELP me', help],
    ['status', { kind: 'status' }],
    ['  Status  ', { kind: 'status' }],
    ['status now', invalid('/fleet status takes no arguments')],
    ['drain asia-northeast2 zonal outage', drain('asia-northeast2', 'zonal outage')],
    ['drain  asia-northeast2   INC-42:  packet loss ', drain('asia-northeast2', 'INC-42:  packet loss')],
    ['drain\tus-central1\nreason on a new line', drain('us-central1', 'reason on a new line')],
    ['drain asia-northeast2', invalid('reason required: /fleet drain REGION REASON')],
    ['drain', invalid('region required: /fleet drain REGION REASON')],
    ['approvals', { kind: 'approvals' }],
    ['approvals now', invalid('/fleet approvals takes no arguments')],
    ['approve 7f3a-41 looks right', { kind: 'approve', id: '7f3a-41', reason: 'looks right' }],
    ['deny alert-asia-northeast2-inc-1', { kind: 'deny', id: 'alert-asia-northeast2-inc-1', reason: '' }],
    ['approve', invalid('usage: /fleet approve APPROVAL_ID [REASON]')],
    ['deny <b>x</b>', invalid('usage: /fleet deny APPROVAL_ID [REASON]')],
    [
      'drain Asia-Northeast2 outage',
      invalid(
        'invalid region "Asia-Northeast2": expected a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem',
      ),
    ],
    [
      'drain asia-northeast outage',
      invalid('invalid region "asia-northeast": expected a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem'),
    ],
    [
      'drain europe-west1-b outage',
      invalid('invalid region "europe-west1-b": expected a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem'),
    ],
    [
      'drain us_central1 outage',
      invalid('invalid region "us_central1": expected a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem'),
    ],
    ['drain tokyo-onprem rack power work', drain('tokyo-onprem', 'rack power work')],
    [
      'drain asia-northeast2 --override last-serving-region corrupt carts',
      { ...drain('asia-northeast2', 'corrupt carts'), overrideGuards: ['last-serving-region'] },
    ],
    [
      'plan drain asia-northeast2 --override min-healthy-regions,last-serving-region why',
      { ...drain('asia-northeast2', 'why', true), overrideGuards: ['last-serving-region', 'min-healthy-regions'] },
    ],
    [
      'drain asia-northeast2 --override flap-budget x',
      invalid('--override takes capacity or last-serving-region or min-healthy-regions, not "flap-budget"'),
    ],
    ['drain asia-northeast2 --override last-serving-region', invalid('reason required: /fleet drain REGION REASON')],
    ['restore asia-northeast2 --override last-serving-region', invalid('--override is for drains only: /fleet restore REGION [REASON]')],
    ['restore asia-northeast2', restore('asia-northeast2', '')],
    ['restore asia-northeast2 fixed upstream', restore('asia-northeast2', 'fixed upstream')],
    ['restore', invalid('region required: /fleet restore REGION [REASON]')],
    [
      'restore all',
      invalid('invalid region "all": expected a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem'),
    ],
    ['plan drain europe-west1 maintenance', drain('europe-west1', 'maintenance', true)],
    ['plan restore europe-west1', restore('europe-west1', '', true)],
    ['PLAN Drain europe-west1 x', drain('europe-west1', 'x', true)],
    ['plan drain europe-west1', invalid('reason required: /fleet plan drain REGION REASON')],
    ['plan restore', invalid('region required: /fleet plan restore REGION [REASON]')],
    ['plan', invalid('usage: /fleet plan drain REGION REASON or /fleet plan restore REGION [REASON]')],
    ['plan status', invalid('usage: /fleet plan drain REGION REASON or /fleet plan restore REGION [REASON]')],
    ['dance', { kind: 'help', text: `unknown command "dance".\n${HELP_TEXT}` }],
    ['x'.repeat(60), { kind: 'help', text: `unknown command "${'x'.repeat(40)}…".\n${HELP_TEXT}` }],
    [`drain us-east1 ${'r'.repeat(MAX_COMMAND_TEXT - 15)}`, drain('us-east1', 'r'.repeat(MAX_COMMAND_TEXT - 15))],
    [`drain us-east1 ${'r'.repeat(MAX_COMMAND_TEXT - 14)}`, invalid('command text is longer than 1000 characters')],
  ];
  it.each(cases)('%j', (text, expected) => {
    expect(parseFleetCommand(text)).toEqual(expected);
  });

  it('lists every command in the help text', () => {
    for (const word of [
      'status',
      'drain REGION REASON',
      'restore REGION [REASON]',
      'plan drain',
      'plan restore',
      'approvals',
      'approve ID',
      'deny ID',
      'help',
    ]) {
      expect(HELP_TEXT).toContain(`/fleet ${word}`);
    }
  });

  it('names an invalid region, shortened when it is long', () => {
    const result = parseFleetCommand(`drain ${'a'.repeat(100)} reason`);
    expect(result).toMatchObject({ kind: 'invalid', message: expect.stringContaining(`"${'a'.repeat(40)}…"`) as unknown });
  });
});

describe('requiredRole and commandName', () => {
  const cases: Array<[string, Role, string]> = [
    ['', 'viewer', 'help'],
    ['help', 'viewer', 'help'],
    ['nonsense', 'viewer', 'help'],
    ['status', 'viewer', 'status'],
    ['drain', 'viewer', 'invalid'],
    ['plan drain us-east1 x', 'viewer', 'plan drain'],
    ['drain us-east1 --override last-serving-region x', 'admin', 'drain'],
    ['plan drain us-east1 --override last-serving-region x', 'viewer', 'plan drain'],
    ['plan restore us-east1', 'viewer', 'plan restore'],
    ['drain us-east1 x', 'operator', 'drain'],
    ['restore us-east1', 'operator', 'restore'],
    ['approvals', 'viewer', 'approvals'],
    ['approve a-1', 'operator', 'approve'],
    ['deny a-1 no', 'operator', 'deny'],
  ];
  it.each(cases)('%j needs %s and is named %s', (text, role, name) => {
    const command = parseFleetCommand(text);
    expect(requiredRole(command)).toBe(role);
    expect(commandName(command)).toBe(name);
  });
});
