/** `/fleet status`: one line per region, saying what the routes do with it. */
import { describe, expect, it } from 'vitest';
import { statusMessage } from '../../services/slack/fleet-ops.ts';
import type { RegionView } from '../../shared/ops/fleet-view.ts';

const region = (over: Partial<RegionView>): RegionView => ({
  region: 'asia-northeast2',
  serving: true,
  drained: false,
  cause: null,
  since: null,
  restoreAt: null,
  frozenUntil: null,
  clusters: ['mc-gw-osaka'],
  openIncidents: [],
  manualHold: null,
  override: null,
  ramp: null,
  waitingForCapacity: null,
  partial: null,
  traffic: { store: 0.5 },
  ...over,
});
const line = (r: RegionView) => statusMessage({ clusters: [], regions: [r], observedAt: '2026-12-04T00:00:00.000Z' }).text;

describe('statusMessage', () => {
  it.each([
    ['serving', region({}), '• asia-northeast2: serving — store 50%; clusters: mc-gw-osaka'],
    [
      'ramping back',
      region({ ramp: { percent: 25, nextStepAt: '2026-12-04T00:01:00.000Z' } }),
      '• asia-northeast2: serving (ramping: 25% of its weight, next step at 2026-12-04T00:01:00.000Z) — store 50%; clusters: mc-gw-osaka',
    ],
    [
      'an alert drain held back for capacity',
      region({ waitingForCapacity: 'draining asia-northeast2 would overload the other regions' }),
      '• asia-northeast2: serving (alert drain waiting for capacity: draining asia-northeast2 would overload the other regions) — store 50%; clusters: mc-gw-osaka',
    ],
    [
      'a partial drain',
      region({
        partial: { percent: 34, reason: 'store runs 8 ready replicas and the other regions can run 2.4' },
        traffic: { store: 0.25 },
      }),
      '• asia-northeast2: partly drained (keeps 34% of its weight until the other regions can run the rest: store runs 8 ready replicas and the other regions can run 2.4) — store 25%; clusters: mc-gw-osaka',
    ],
    [
      'a break-glass hold',
      region({
        serving: false,
        drained: true,
        cause: 'manual',
        override: 'last-serving-region',
        traffic: {},
        manualHold: {
          id: 'm-1',
          region: 'asia-northeast2',
          action: 'drain',
          at: '2026-12-04T00:00:00.000Z',
          by: 'admin@example.com',
          reason: 'corrupt carts',
        },
      }),
      '• asia-northeast2: drained (manual hold by admin@example.com, overriding last-serving-region: corrupt carts); clusters: mc-gw-osaka',
    ],
  ])('says %s', (_name, r, expected) => {
    expect(line(r)).toBe(expected);
  });
});
