/**
 * The health-alert flow (failover/alert-flow.ts) and the tick that restores after the hold-down:
 * Monitoring notifications are delivered to the real handler on the in-memory demo fleet (Tokyo and
 * Osaka at 50/50, hold-down 8 s), and each test reads back the live route, the drain facts and the
 * operation records.
 */
import fc from 'fast-check';
import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { TTL_FIELD } from '../../shared/adapters/firestore.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { routeLeaseKey } from '../../shared/routing/update-routes.ts';
import { LEASES } from '../../shared/state/leases.ts';
import { incidentNotification, testNotification, type IncidentSpec } from '../support/events.ts';
import { connectionRefused } from '../support/faults.ts';
import { demoFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const N1 = 'asia-northeast1';
const N2 = 'asia-northeast2';
const minutes = (fleet: MemoryFleet, m: number) => new Date(fleet.clock.now().getTime() + m * 60_000);

let messages = 0;
/** Delivers a notification once, as Pub/Sub would; returns the record, or what was thrown for redelivery. */
async function notify(fleet: MemoryFleet, payload: unknown) {
  try {
    return { record: await handleMonitoringNotification(fleet.ctx, payload, `msg-${++messages}`), threw: undefined };
  } catch (error) {
    return { record: fleet.operations().at(-1), threw: error };
  }
}
const incident = (spec: Partial<IncidentSpec> & Pick<IncidentSpec, 'id' | 'state' | 'startedAt'>) =>
  incidentNotification({ resource: { location: TOKYO.location }, ...spec });
/** The scheduler's tick: the function handler uses only the fleet context. */
const tick = (fleet: MemoryFleet) =>
  tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `tick-${++messages}`);
const weights = (fleet: MemoryFleet) => fleet.route('store')?.weights;

describe('health alerts', () => {
  it('an open incident drains its region: weight 0 in the default rule, the fact recorded, the outcome published', async () => {
    const fleet = await demoFleet();
    const startedAt = minutes(fleet, -2);
    const { record } = await notify(fleet, incident({ id: 'inc-1', state: 'open', startedAt }));
    expect(record).toMatchObject({
      kind: 'health-alert',
      subject: `region/${N1}`,
      region: N1,
      result: 'succeeded',
      reason: `${N1} drained`,
      trigger: { incidentId: 'inc-1', state: 'open', via: 'resource.labels.location' },
    });
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    expect(await fleet.facts()).toEqual({
      [N1]: {
        incidents: {
          'inc-1': {
            incidentId: 'inc-1',
            region: N1,
            openedAt: startedAt.toISOString(),
            learnedAt: fleet.clock.now().toISOString(),
            seq: 1,
          },
        },
        manual: [],
      },
    });
    expect(fleet.published.map((r) => r.result)).toEqual(['succeeded']);
  });

  it('a cluster name maps to its region', async () => {
    const fleet = await demoFleet();
    await notify(
      fleet,
      incidentNotification({
        id: 'inc-2',
        state: 'open',
        startedAt: minutes(fleet, -1),
        resource: { cluster_name: OSAKA.name, location: 'global' },
      }),
    );
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
  });

  it('a close keeps the region drained for the hold-down; the tick after it restores the region', async () => {
    const fleet = await demoFleet();
    await notify(fleet, incident({ id: 'inc-1', state: 'open', startedAt: minutes(fleet, -2) }));
    const closedAt = new Date(Math.floor(fleet.clock.now().getTime() / 1000) * 1000);
    const { record } = await notify(fleet, incident({ id: 'inc-1', state: 'closed', startedAt: minutes(fleet, -2), endedAt: closedAt }));
    const restoreAt = new Date(closedAt.getTime() + 8_000).toISOString();
    expect(record).toMatchObject({ result: 'succeeded', reason: `${N1} drained; restore due at ${restoreAt}` });
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    fleet.clock.advance(5_000);
    expect((await tick(fleet)).reason).toBe('nothing to change');
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    fleet.clock.advance(3_000);
    const restored = await tick(fleet);
    expect(restored).toMatchObject({
      kind: 'tick',
      result: 'succeeded',
      reason: `HTTPRoute store/store: ~ store-${N1} weight 0 → 50 on default rule`,
    });
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    // Ticks that change nothing are recorded but not announced.
    expect(fleet.published.map((r) => `${r.kind} ${r.result}`)).toEqual([
      'health-alert succeeded',
      'health-alert succeeded',
      'tick succeeded',
    ]);
  });

  it('a test notification is recognised, recorded and acknowledged; nothing drains', async () => {
    const fleet = await demoFleet();
    const { record, threw } = await notify(fleet, testNotification());
    expect(threw).toBeUndefined();
    expect(record).toMatchObject({
      subject: 'test',
      result: 'skipped',
      reason: 'test notification: recognised, nothing drained',
      trigger: { test: true },
    });
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    expect(await fleet.facts()).toEqual({});
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'no location, cluster or region label',
      {},
      'incident not mapped to a region: incident inc-x names no region: no region, location or cluster label',
    ],
    [
      'an unknown cluster',
      { cluster_name: 'mc-gw-nowhere' },
      'incident not mapped to a region: incident inc-x names no region: resource.labels.cluster_name mc-gw-nowhere is not a known cluster',
    ],
    [
      'a global location',
      { location: 'global' },
      'incident not mapped to a region: incident inc-x names no region: resource.labels.location "global" is not a region or zone',
    ],
  ])('an incident with %s is recorded as skipped and drains nothing', async (_name, labels, reason) => {
    const fleet = await demoFleet();
    const { record } = await notify(
      fleet,
      incidentNotification({ id: 'inc-x', state: 'open', startedAt: minutes(fleet, -1), resource: labels }),
    );
    expect(record).toMatchObject({ subject: 'unknown', result: 'skipped', reason });
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    expect(await fleet.facts()).toEqual({});
  });

  it('a drain that would leave no region serving is refused by last-serving-region, recorded, and the region keeps serving', async () => {
    const fleet = await demoFleet();
    await notify(
      fleet,
      incidentNotification({ id: 'inc-osaka', state: 'open', startedAt: minutes(fleet, -3), resource: { location: OSAKA.location } }),
    );
    const { record } = await notify(fleet, incident({ id: 'inc-tokyo', state: 'open', startedAt: minutes(fleet, -1) }));
    expect(record).toMatchObject({
      result: 'refused',
      reason: `last-serving-region: draining ${N1} would leave store with no serving region`,
    });
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
  });

  it('the refused region drains once the other recovers (close, hold-down, tick)', async () => {
    const fleet = await demoFleet();
    const osakaStart = minutes(fleet, -3);
    await notify(
      fleet,
      incidentNotification({ id: 'inc-osaka', state: 'open', startedAt: osakaStart, resource: { location: OSAKA.location } }),
    );
    await notify(fleet, incident({ id: 'inc-tokyo', state: 'open', startedAt: minutes(fleet, -1) }));
    await notify(
      fleet,
      incidentNotification({
        id: 'inc-osaka',
        state: 'closed',
        startedAt: osakaStart,
        endedAt: fleet.clock.now(),
        resource: { location: OSAKA.location },
      }),
    );
    fleet.clock.advance(9_000);
    await tick(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
  });

  it('a duplicate or a renotification changes nothing and says so', async () => {
    const fleet = await demoFleet();
    const open = incident({ id: 'inc-1', state: 'open', startedAt: minutes(fleet, -2) });
    await notify(fleet, open);
    const route = fleet.route('store');
    const facts = await fleet.facts();
    const again = await notify(fleet, open);
    expect(again.record).toMatchObject({ result: 'skipped', reason: `no change: ${N1} drained` });
    expect(fleet.route('store')).toEqual(route);
    expect(await fleet.facts()).toEqual(facts);
  });

  it('a renotification that finds the route lease held ends at once, and its mark makes the holder render again', async () => {
    const fleet = await demoFleet();
    const open = incident({ id: 'inc-1', state: 'open', startedAt: minutes(fleet, -2) });
    await notify(fleet, open);
    const key = routeLeaseKey(await fleet.ctx.config());
    const expireAt = Timestamp.fromMillis(fleet.clock.now().getTime() + 60_000);
    await fleet.store.set(LEASES, key, { holder: 'other-instance:op-1', [TTL_FIELD]: expireAt });
    const started = fleet.clock.now().getTime();
    const again = await notify(fleet, open);
    expect(again.record).toMatchObject({
      result: 'skipped',
      reason: 'no change: incident inc-1 open already known; the route lease holder renders again',
    });
    expect(fleet.clock.now().getTime() - started).toBeLessThan(1_000);
    const marks = (await fleet.store.list(LEASES)).filter((d) => d.lease === key);
    expect(marks).toEqual([expect.objectContaining({ lease: key, waits: false })]);
    expect(marks[0]).not.toHaveProperty('coveredBy');
  });

  it('a close that arrives before its open ends closed: a stale open changes nothing', async () => {
    const fleet = await demoFleet();
    const startedAt = minutes(fleet, -30);
    await notify(fleet, incident({ id: 'inc-old', state: 'closed', startedAt, endedAt: minutes(fleet, -20) }));
    await notify(fleet, incident({ id: 'inc-old', state: 'open', startedAt }));
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    expect((await fleet.facts())[N1]?.incidents['inc-old']).toMatchObject({ closedAt: minutes(fleet, -20).toISOString() });
  });

  it('a transient failure is retried by redelivery; the fact is kept and the redelivery drains', async () => {
    const fleet = await demoFleet();
    const open = incident({ id: 'inc-1', state: 'open', startedAt: minutes(fleet, -2) });
    fleet.configKube.fail('list', connectionRefused('config cluster'), 1);
    const first = await notify(fleet, open);
    expect([first.record?.result, first.threw instanceof Error]).toEqual(['retrying', true]);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    const again = await notify(fleet, open);
    expect(again.record).toMatchObject({ result: 'succeeded', reason: `${N1} drained` });
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
  });
});

describe('health alerts in any order', () => {
  const T0 = Date.parse('2025-05-01T11:00:00Z');
  const event = fc.record({
    region: fc.constantFrom(N1, N2),
    start: fc.integer({ min: 0, max: 50 }),
    duration: fc.option(fc.integer({ min: 0, max: 20 })),
  });

  /** Each incident's open (and close, when it closed), with the minute it was sent. */
  const notificationsOf = (incidents: { region: string; start: number; duration: number | null }[]) =>
    incidents.flatMap((inc, i) => {
      const base = {
        id: `inc-${i}`,
        startedAt: new Date(T0 + inc.start * 60_000),
        resource: { location: inc.region === N1 ? TOKYO.location : OSAKA.location },
      };
      const open = { at: inc.start, payload: incidentNotification({ ...base, state: 'open' }) };
      if (inc.duration === null) return [open];
      return [
        open,
        {
          at: inc.start + inc.duration,
          payload: incidentNotification({ ...base, state: 'closed', endedAt: new Date(T0 + (inc.start + inc.duration) * 60_000) }),
        },
      ];
    });
  /** The notifications in an arbitrary arrival order, and all of them again (redelivered) in another. */
  const scenario = fc
    .array(event, { minLength: 1, maxLength: 4 })
    .map(notificationsOf)
    .chain((notifications) =>
      fc.tuple(
        fc.shuffledSubarray(notifications, { minLength: notifications.length }).map((all) => all.map((n) => n.payload)),
        fc.shuffledSubarray(notifications, { minLength: notifications.length }).map((all) => all.map((n) => n.payload)),
      ),
    );

  it('in any arrival order, redelivering every notification changes neither the facts nor the routes, and never zero holds', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([arrivals, redeliveries]) => {
        const fleet = await demoFleet();
        for (const payload of arrivals) {
          expect((await notify(fleet, payload)).threw).toBeUndefined();
          expect(Object.values(weights(fleet) ?? {}).some((w) => w > 0)).toBe(true);
        }
        const facts = await fleet.factsDocument();
        const routes = weights(fleet);
        for (const payload of redeliveries) expect((await notify(fleet, payload)).threw).toBeUndefined();
        expect(await fleet.factsDocument()).toEqual(facts);
        expect(weights(fleet)).toEqual(routes);
      }),
      { numRuns: 40 },
    );
  });
});
