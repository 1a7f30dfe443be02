/**
 * Fault injection on the apply path (issue 13), end to end in the sandbox. Each test injects one
 * fault while a flow writes, lifts it, and asserts the end state — no lost drain, no half-written
 * route (the live routes are exactly what the planner renders), no fact lost or doubled, the
 * cluster onboarded — and prints how long the fleet took to converge once the fault was lifted.
 *
 * - (a) the config cluster's kube-apiserver stops while a drain writes the routes, then starts again;
 * - (b) the Firestore emulator goes away for 20 s in the middle of a burst of alerts and comes back
 *   with its data (as a Firestore outage does): Pub/Sub's redelivery backoff spans the outage;
 * - (c) every message of an alert storm is delivered three times across two function instances;
 * - (d) GKE Hub and the Container API answer 503/429 for a minute in the middle of an onboarding:
 *   the redeliveries of the last audit entry, or the tick's adoption after it, finish the onboarding.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { readFacts } from '../../shared/failover/drain-store.ts';
import { mergeIncident, NO_FACTS, type FleetFacts, type IncidentFact } from '../../shared/failover/facts.ts';
import { parseIncidentNotification } from '../../shared/failover/incident.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { apiRequest } from '../../sandbox/api-client.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';
import { injectFault } from '../support/double-admin.ts';
import { ONBOARD_LABELS, createCluster, deleteCluster, uniqueName, waitForOperation } from '../support/fleet-fixtures.ts';
import { sandboxAdapters, sandboxInfo, secondInstance } from '../support/sandbox-clients.ts';

const CONFIG_CLUSTER = 'mc-gw-config-cluster';
const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1' };
const OSAKA = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2' };
const CONVERGE_MS = 120_000;
/** The outage lasts a minute; redelivery (10, 20, 40, 80 s) or adoption (30 s after a transient failure) follows. */
const ADOPT_MS = 180_000;
/** How long Firestore is away in (b), its restart not counted. */
const FIRESTORE_OUTAGE_MS = 20_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const report = (line: string) => process.stdout.write(`fault injection: ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault injection on the apply path (sandbox end to end)', () => {
  let adapters: GcpAdapters;
  let second: FunctionContext;
  const run = Date.now().toString(36);
  beforeAll(async () => {
    adapters = await sandboxAdapters();
    second = await secondInstance();
  });
  afterAll(async () => {
    await second.adapters.close();
    await adapters.close();
  });

  const control = async (path: string) => {
    const { controlUrl, token } = sandboxInfo();
    const res = await fetch(`${controlUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`sandbox control ${path} answered ${res.status}: ${await res.text()}`);
  };
  const clearDoubleFaults = async () => {
    const { doubleUrl, token } = sandboxInfo();
    await fetch(`${doubleUrl}/_double/faults`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  };
  const api = (method: string, path: string, token: string, body?: unknown) =>
    apiRequest(sandboxInfo().api.url, method, path, { token, ...(body === undefined ? {} : { body }) });
  const weights = async () =>
    Object.fromEntries(((await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends ?? []).map((b) => [b.name, b.weight]));
  const bothServe = () =>
    pollUntil(
      async () => {
        const w = await weights();
        return w['store-asia-northeast1'] === 50 && w['store-asia-northeast2'] === 50 ? true : undefined;
      },
      { timeoutMs: CONVERGE_MS, what: 'both regions serving' },
    );
  /** The live routes are exactly the planner's render: a reconcile would change no route line. */
  const routesWhole = async () => {
    const res = await api('POST', '/v1/plan', sandboxInfo().api.tokens.viewer, { action: 'reconcile' });
    expect(res.status).toBe(200);
    return ((await res.json()) as { plan: string[] }).plan;
  };
  const alert = (id: string, state: 'open' | 'closed', target: typeof TOKYO, startedAt: Date, endedAt?: Date) =>
    monitoringNotification({
      incidentId: id,
      state,
      startedAt,
      ...(endedAt ? { endedAt } : {}),
      cluster: target.cluster,
      location: target.location,
      projectId: sandboxInfo().projectId,
    });

  it(
    "(a) the config cluster's API server stops while an alert drains a region: the incident is kept, and once the server is back the drain lands and the route is whole",
    { timeout: 300_000 },
    async () => {
      await bothServe();
      const id = `fault-a-${run}`;
      const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      const close = () => alert(id, 'closed', OSAKA, startedAt, new Date(Math.floor(Date.now() / 1000) * 1000));
      onTestFailed(async () => {
        await control(`/faults/apiservers/${CONFIG_CLUSTER}/start`);
        await adapters.pubsub.publish('healthAlerts', close());
      });

      await control(`/faults/apiservers/${CONFIG_CLUSTER}/stop`);
      await adapters.pubsub.publish('healthAlerts', alert(id, 'open', OSAKA, startedAt));
      // The incident is a fact in Firestore, which is up: it is kept although no route can be written.
      await pollUntil(async () => ((await readFacts(adapters.store)).regions[OSAKA.region]?.incidents[id] ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the incident recorded while the config cluster is down',
      });
      await sleep(10_000);

      const restart = performance.now();
      await control(`/faults/apiservers/${CONFIG_CLUSTER}/start`);
      const back = performance.now();
      await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
        timeoutMs: CONVERGE_MS,
        intervalMs: 250,
        what: 'Osaka drained after the API server came back',
      });
      report(
        `(a) config cluster API server down 10 s while an alert drained Osaka: it served again ${seconds(back - restart)} after the restart began, and the drain landed ${seconds(performance.now() - back)} after that`,
      );
      expect(
        await pollUntil(async () => ((await routesWhole()).length === 0 ? [] : undefined), {
          timeoutMs: 30_000,
          what: 'live routes equal to the render',
        }),
      ).toEqual([]);
      expect(await weights()).toEqual({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 0 });

      await adapters.pubsub.publish('healthAlerts', close());
      await bothServe();
    },
  );

  it(
    '(b) the Firestore emulator goes away for 20 s during a burst of alerts and comes back with its data: every incident of the burst is a fact, and the routes are what the facts imply',
    { timeout: 360_000 },
    async () => {
      await bothServe();
      const t0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
      const at = (s: number) => new Date(t0.getTime() + s * 1000);
      const ids = [0, 1, 2, 3, 4].map((i) => `burst-${run}-${i}`);
      // Incidents on Tokyo, every one closed in the end; the outage begins after the second message.
      const burst = [
        alert(ids[0]!, 'open', TOKYO, at(0)),
        alert(ids[1]!, 'open', TOKYO, at(5)),
        alert(ids[2]!, 'open', TOKYO, at(10)),
        alert(ids[0]!, 'closed', TOKYO, at(0), at(20)),
        alert(ids[3]!, 'open', TOKYO, at(25)),
        alert(ids[1]!, 'closed', TOKYO, at(5), at(30)),
        alert(ids[4]!, 'closed', TOKYO, at(30), at(45)),
        alert(ids[2]!, 'closed', TOKYO, at(10), at(35)),
        alert(ids[3]!, 'closed', TOKYO, at(25), at(40)),
      ];
      onTestFailed(async () => {
        await control('/faults/firestore/start');
        for (const payload of burst.filter((p) => (p.incident as { state: string }).state === 'closed'))
          await adapters.pubsub.publish('healthAlerts', payload);
      });
      let expected: FleetFacts = NO_FACTS;
      for (const payload of burst) {
        const parsed = parseIncidentNotification(payload);
        if (!parsed.ok || !('incident' in parsed)) throw new Error('the burst has a malformed notification');
        expected = mergeIncident(expected, parsed.incident, TOKYO.region, new Date()).facts;
      }
      const said = (incidents: Record<string, IncidentFact>) =>
        Object.fromEntries(
          Object.entries(incidents)
            .filter(([id]) => ids.includes(id))
            .map(([id, f]) => [id, { incidentId: f.incidentId, region: f.region, openedAt: f.openedAt, closedAt: f.closedAt }]),
        );
      const want = said(expected.regions[TOKYO.region]?.incidents ?? {});
      expect(Object.keys(want).sort()).toEqual([...ids].sort());

      let stopped = 0;
      for (const [n, payload] of burst.entries()) {
        if (n === 2) {
          await control('/faults/firestore/stop');
          stopped = performance.now();
        }
        await adapters.pubsub.publish('healthAlerts', payload);
        await sleep(500);
      }
      await sleep(Math.max(0, FIRESTORE_OUTAGE_MS - (performance.now() - stopped)));
      const restart = performance.now();
      await control('/faults/firestore/start');
      const back = performance.now();
      const facts = await pollUntil(
        async () => {
          const got = said((await readFacts(adapters.store)).regions[TOKYO.region]?.incidents ?? {});
          return isDeepStrictEqual(got, want) ? got : undefined;
        },
        { timeoutMs: 200_000, intervalMs: 500, what: 'every incident of the burst recorded as a fact' },
      );
      expect(facts).toEqual(want);
      const factsAt = performance.now();
      await bothServe();
      report(
        `(b) Firestore away ${seconds(restart - stopped)} during a burst of ${burst.length} alerts (${burst.length - 2} sent while it was away): it served again with its data ${seconds(back - restart)} after the restart began, every fact was recorded ${seconds(factsAt - back)} after that and the routes were back to 50/50 ${seconds(performance.now() - back)} after it`,
      );
      expect(await routesWhole()).toEqual([]);
      // Data from before the outage is still there: the demo clusters' records.
      expect((await adapters.store.get('clusters', `${sandboxInfo().projectId}:${TOKYO.location}:${TOKYO.cluster}`))?.phase).toBe(
        'onboarded',
      );
    },
  );

  it(
    '(c) an alert storm delivered three times across two function instances ends where one delivery ends',
    { timeout: 300_000 },
    async () => {
      await bothServe();
      // Whole seconds: notifications carry epoch seconds.
      const t0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
      const at = (s: number) => new Date(t0.getTime() + s * 1000);
      const ids = [0, 1, 2, 3].map((i) => `storm-${run}-${i}`);
      // Overlapping incidents on Tokyo: opens, renotifications and closes, every one closed in the end.
      const storm = [
        alert(ids[0]!, 'open', TOKYO, at(0)),
        alert(ids[1]!, 'open', TOKYO, at(5)),
        alert(ids[0]!, 'open', TOKYO, at(0)),
        alert(ids[2]!, 'open', TOKYO, at(10)),
        alert(ids[0]!, 'closed', TOKYO, at(0), at(20)),
        alert(ids[3]!, 'open', TOKYO, at(25)),
        alert(ids[1]!, 'closed', TOKYO, at(5), at(30)),
        alert(ids[2]!, 'closed', TOKYO, at(10), at(35)),
        alert(ids[3]!, 'closed', TOKYO, at(25), at(40)),
      ];
      onTestFailed(async () => {
        for (const payload of storm.filter((p) => (p.incident as { state: string }).state === 'closed'))
          await adapters.pubsub.publish('healthAlerts', payload);
      });
      // What one delivery of each message leaves: the facts, merged once each by the pure merge
      // (what the incidents say; when each was learned depends on the delivery).
      let merged1: FleetFacts = NO_FACTS;
      for (const payload of storm) {
        const parsed = parseIncidentNotification(payload);
        if (!parsed.ok || !('incident' in parsed)) throw new Error('the storm has a malformed notification');
        merged1 = mergeIncident(merged1, parsed.incident, TOKYO.region, new Date()).facts;
      }
      const said = (incidents: Record<string, IncidentFact>) =>
        Object.fromEntries(
          Object.entries(incidents).map(([id, f]) => [
            id,
            { incidentId: f.incidentId, region: f.region, openedAt: f.openedAt, closedAt: f.closedAt },
          ]),
        );
      const once = said(merged1.regions[TOKYO.region]?.incidents ?? {});

      const started = performance.now();
      let n = 0;
      for (const payload of storm) {
        // Three deliveries of the same message: the sandbox's functions (instance A) get it once or
        // twice through Pub/Sub, a second instance (B) the rest directly, at the same moment.
        const viaPubSub = n % 2 === 0 ? 1 : 2;
        await Promise.all([
          ...Array.from({ length: viaPubSub }, () => adapters.pubsub.publish('healthAlerts', payload)),
          ...Array.from({ length: 3 - viaPubSub }, (_, k) =>
            handleMonitoringNotification(second.fleet, payload, `storm-${run}-${n}-b${k}`),
          ),
        ]);
        n++;
      }
      const stormFacts = async () =>
        said(
          Object.fromEntries(
            Object.entries((await readFacts(adapters.store)).regions[TOKYO.region]?.incidents ?? {}).filter(([id]) => ids.includes(id)),
          ),
        );
      const sent = performance.now();
      const merged = await pollUntil(
        async () => {
          const facts = await stormFacts();
          return isDeepStrictEqual(facts, once) ? facts : undefined;
        },
        { timeoutMs: CONVERGE_MS, intervalMs: 250, what: 'the storm facts equal to one delivery' },
      );
      expect(merged).toEqual(once);
      const factsAt = performance.now();
      await bothServe();
      report(
        `(c) ${storm.length} messages × 3 deliveries across two instances (sending took ${seconds(sent - started)}): facts equal to one delivery ${seconds(factsAt - started)} after the first send, routes back to 50/50 ${seconds(performance.now() - started)} after it (the 8 s hold-down included)`,
      );
      expect(await routesWhole()).toEqual([]);
      const records = ((await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[]).filter(
        (o) => ids.includes(String(o.trigger.incidentId)) && o.finishedAt,
      );
      expect(records.filter((o) => o.result === 'failed')).toEqual([]);
    },
  );

  // The last audit entry of the creation fails on the injected 429 and is redelivered after 10, 20,
  // 40 s (the subscription's backoff): a redelivery after the minute finishes the onboarding. Were
  // it dead-lettered, the final attempt records the cluster failed and the tick's adoption retries
  // it 30 s later, and again 30 s after any transient failure of its own (adopt.ts, failed.ts).
  it(
    '(d) GKE Hub and the Container API answer 503/429 for 60 s in the middle of an onboarding: the cluster is onboarded once they recover',
    { timeout: 420_000 },
    async () => {
      const name = uniqueName('fd');
      const location = 'asia-northeast1-c';
      onTestFailed(async () => {
        await clearDoubleFaults();
        await deleteCluster(adapters, name, location);
      });
      await createCluster(adapters, name, location, ONBOARD_LABELS);
      // The last audit entry is on its way: every Hub call and every read of this cluster fails for a minute.
      await injectFault({
        method: '*',
        pathPattern: '/memberships',
        status: 503,
        count: 100_000,
        message: 'the service is currently unavailable',
      });
      await injectFault({ method: 'GET', pathPattern: `/clusters/${name}$`, status: 429, count: 100_000, message: 'quota exceeded' });
      await sleep(60_000);
      await clearDoubleFaults();
      const recovered = performance.now();
      await pollUntil(async () => ((await adapters.hub.getMembership('global', name))?.state?.code === 'READY' ? true : undefined), {
        timeoutMs: ADOPT_MS,
        intervalMs: 500,
        what: 'membership READY after the outage',
      });
      await waitForOperation(
        adapters,
        name,
        (o) => (o.kind === 'cluster-adopt' || o.trigger.phase === 'last') && o.result === 'succeeded',
        'a successful onboarding',
        CONVERGE_MS,
      );
      await pollUntil(
        async () =>
          (await adapters.store.get('clusters', `${sandboxInfo().projectId}:${location}:${name}`))?.phase === 'onboarded'
            ? true
            : undefined,
        { timeoutMs: CONVERGE_MS, what: 'cluster recorded as onboarded' },
      );
      report(
        `(d) Hub 503 and Container 429 for 60 s during an onboarding: onboarded ${seconds(performance.now() - recovered)} after they recovered`,
      );
      expect(await routesWhole()).toEqual([]);
      await deleteCluster(adapters, name, location);
    },
  );
});
