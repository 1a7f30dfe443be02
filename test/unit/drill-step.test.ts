import { describe, expect, it } from 'vitest';
import { drillsSchema } from '../../shared/config/drills-config.ts';
import { nextDrillStep, type DrillRecord, type DrillView } from '../../shared/drills/index.ts';
import type { RegionDrainState } from '../../shared/failover/index.ts';

const policy = drillsSchema.parse({ metricsDelaySeconds: 30, resolutionSeconds: 1, restoreTimeoutSeconds: 600 });
const at = (s: string) => Date.parse(`2026-12-04T10:${s}Z`);
const drill: DrillRecord = {
  id: 'd1',
  region: 'asia-northeast2',
  reason: 'game day',
  requestedBy: 'admin@example.com',
  source: 'api',
  durationSeconds: 60,
  state: 'draining',
  requestedAt: '2026-12-04T10:00:00.000Z',
  restoreDueAt: '2026-12-04T10:01:00.000Z',
  plan: [],
  guards: [],
};
const held: RegionDrainState = {
  region: 'asia-northeast2',
  drained: true,
  cause: 'manual',
  since: drill.requestedAt,
  holdId: 'drill-d1',
  openIncidents: [],
  drainsInWindow: 0,
};
const serving: RegionDrainState = { region: 'asia-northeast2', drained: false, openIncidents: [], drainsInWindow: 0 };
const view = (v: Partial<DrillView> = {}): DrillView => ({ region: held, heldByDrill: true, otherIncidents: [], ...v });

describe('nextDrillStep', () => {
  it.each([
    { name: 'draining, before its time', drill, view: view(), now: at('00:30'), kind: 'wait' },
    { name: 'draining, its time is up', drill, view: view(), now: at('01:00'), kind: 'restore' },
    {
      name: 'an incident elsewhere restores early',
      drill,
      view: view({ otherIncidents: ['asia-northeast1/i-1'] }),
      now: at('00:10'),
      kind: 'restore',
      endReason: 'incident asia-northeast1/i-1 opened during the drill: restored early',
    },
    {
      name: 'an incident of its own region holds the restore back',
      drill,
      view: view({ region: { ...held, openIncidents: ['i-2'] } }),
      now: at('02:00'),
      kind: 'wait',
    },
    {
      name: "its region's alert hold-down holds it back",
      drill,
      view: view({ alertHoldUntil: at('03:00') }),
      now: at('02:00'),
      kind: 'wait',
    },
    {
      name: 'someone restored the region',
      drill,
      view: view({ region: serving, heldByDrill: false }),
      now: at('00:30'),
      kind: 'stop',
      endReason: 'asia-northeast2 was restored by someone else before the drill ended',
    },
    {
      name: 'someone drained it by hand during the drill',
      drill,
      view: view({ region: { ...held, holdId: 'op-7' }, heldByDrill: false }),
      now: at('00:30'),
      kind: 'stop',
      endReason: 'asia-northeast2 was drained by someone else during the drill: the drill left it as it is',
    },
    {
      name: 'restoring, still ramping',
      drill: { ...drill, state: 'restoring' as const, restoreRequestedAt: '2026-12-04T10:01:00.000Z' },
      view: view({ region: { ...serving, ramp: { percent: 25, since: '', nextStepAt: '' } } }),
      now: at('01:30'),
      kind: 'wait',
    },
    {
      name: 'restoring, whole weight back',
      drill: { ...drill, state: 'restoring' as const, restoreRequestedAt: '2026-12-04T10:01:00.000Z' },
      view: view({ region: serving }),
      now: at('01:30'),
      kind: 'full-weight',
    },
    {
      name: 'restoring past the timeout',
      drill: { ...drill, state: 'restoring' as const, restoreRequestedAt: '2026-12-04T10:01:00.000Z' },
      view: view({ region: { ...serving, drained: true, cause: 'alert' } }),
      now: at('11:00'),
      kind: 'report',
      endReason: 'asia-northeast2 did not get its whole weight back within 600 s of the restore',
    },
    {
      name: 'measuring, metrics not in yet',
      drill: { ...drill, state: 'measuring' as const, fullWeightAt: '2026-12-04T10:02:00.000Z' },
      view: view({ region: serving }),
      now: at('02:30'),
      kind: 'wait',
    },
    {
      name: 'measuring, metrics in',
      drill: { ...drill, state: 'measuring' as const, fullWeightAt: '2026-12-04T10:02:00.000Z' },
      view: view({ region: serving }),
      now: at('02:31'),
      kind: 'report',
    },
    {
      name: 'measuring after a ramp, its last step not measured for a whole step yet',
      drill: { ...drill, state: 'measuring' as const, fullWeightAt: '2026-12-04T10:02:00.000Z' },
      view: view({ region: serving }),
      now: at('02:31'),
      rampStepSeconds: 60,
      kind: 'wait',
    },
    {
      name: 'measuring after a ramp, its last step measured',
      drill: { ...drill, state: 'measuring' as const, fullWeightAt: '2026-12-04T10:02:00.000Z' },
      view: view({ region: serving }),
      now: at('03:31'),
      rampStepSeconds: 60,
      kind: 'report',
    },
    { name: 'ended', drill: { ...drill, state: 'completed' as const }, view: view(), now: at('09:00'), kind: 'wait' },
  ])('$name → $kind', (row) => {
    const ramp = 'rampStepSeconds' in row ? { rampStepSeconds: row.rampStepSeconds } : {};
    const step = nextDrillStep(row.drill, row.view, row.now, { ...policy, ...ramp });
    expect(step.kind).toBe(row.kind);
    if ('endReason' in row) expect(step).toMatchObject({ endReason: row.endReason });
  });
});
