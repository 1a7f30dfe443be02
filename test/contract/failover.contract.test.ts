/**
 * Alert-driven failover end to end in the sandbox: Cloud Monitoring notifications go through the
 * Pub/Sub emulator to the health-alerts function; the route on the real config cluster drains and
 * restores; traffic through the local data plane shows the effect.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { readDrainSnapshot } from '../../shared/failover/drain-store.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import type { FunctionContext } from '../../functions/compose.ts';
import { sendTraffic } from '../../sandbox/data-plane/traffic.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';
import { kubeFor, sandboxAdapters, sandboxInfo, secondInstance } from '../support/sandbox-clients.ts';
import { pushConfig } from '../support/config-push.ts';
import { adminKube, sandboxClusterAccess } from '../support/cluster-admin.ts';
import { DEFAULT_MAX_REPLICAS, setStoreScale } from '../../sandbox/store-scaling.ts';

const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b' };
const OSAKA = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b' };

describe('alert-driven failover (sandbox end to end)', () => {
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

  const traffic = (count = 1000) =>
    sendTraffic({ url: sandboxInfo().gatewayUrl, host: 'store.example.com', path: '/', count, concurrency: 20 });
  const weights = async () =>
    Object.fromEntries(((await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends ?? []).map((b) => [b.name, b.weight]));
  const alert = (id: string, state: 'open' | 'closed', target: typeof TOKYO, startedAt = new Date()) =>
    monitoringNotification({
      incidentId: id,
      state,
      startedAt,
      cluster: target.cluster,
      location: target.location,
      projectId: sandboxInfo().projectId,
    });
  const operation = (incidentId: string) =>
    pollUntil(
      async () => {
        const all = (await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[];
        return all.find((o) => o.trigger.incidentId === incidentId && o.finishedAt && o.result !== 'retrying');
      },
      { timeoutMs: 60_000, what: `operation for ${incidentId}` },
    );
  const bothServe = () =>
    pollUntil(
      async () => {
        const w = await weights();
        return w['store-asia-northeast1'] === 50 && w['store-asia-northeast2'] === 50 ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'both regions serving' },
    );

  it('drains Osaka on an alert so that 1,000 requests are all answered by Tokyo, refuses to drain Tokyo too, and restores after the close and hold-down', async () => {
    await bothServe();
    const before = await traffic();
    expect(Object.keys(before.byCluster)).toEqual(expect.arrayContaining([OSAKA.cluster, TOKYO.cluster]));

    const osakaStart = new Date();
    // A failed test still closes its incidents, so the fleet heals for the tests after it.
    onTestFailed(async () => {
      await adapters.pubsub.publish('healthAlerts', alert(`osaka-${run}`, 'closed', OSAKA, osakaStart));
      await adapters.pubsub.publish('healthAlerts', alert(`tokyo-${run}`, 'closed', TOKYO));
    });
    await adapters.pubsub.publish('healthAlerts', alert(`osaka-${run}`, 'open', OSAKA, osakaStart));
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'Osaka drained',
    });
    const drained = await pollUntil(
      async () => {
        const t = await traffic();
        return t.byCluster[OSAKA.cluster] === undefined ? t : undefined;
      },
      { timeoutMs: 15_000, what: 'the data plane to stop sending to Osaka' },
    );
    expect(drained).toMatchObject({ total: 1000, errors: 0, byCluster: { [TOKYO.cluster]: 1000 } });
    expect((await operation(`osaka-${run}`)).result).toBe('succeeded');
    // The mesh follows: no locality sends store traffic to Osaka while it is drained.
    const tokyoKube = await kubeFor(adapters, TOKYO.location, TOKYO.cluster);
    const rule = await pollUntil(
      async () => {
        const dr = await tokyoKube.get<
          KubernetesObject & { spec: { trafficPolicy: { loadBalancer?: { localityLbSetting?: { distribute?: unknown } } } } }
        >({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: 'store', name: 'store' });
        return dr?.spec.trafficPolicy.loadBalancer?.localityLbSetting?.distribute ? dr : undefined;
      },
      { timeoutMs: 15_000, what: 'the drain-aware DestinationRule in Tokyo' },
    );
    expect(rule.spec.trafficPolicy.loadBalancer?.localityLbSetting?.distribute).toEqual([
      { from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 100 } },
      { from: 'asia-northeast2/*', to: { 'asia-northeast1/*': 100 } },
    ]);

    await adapters.pubsub.publish('healthAlerts', alert(`tokyo-${run}`, 'open', TOKYO));
    const refused = await operation(`tokyo-${run}`);
    expect(refused.result).toBe('refused');
    expect(refused.reason).toMatch(/^last-serving-region: draining asia-northeast1 would leave store with no serving region/);
    expect((await traffic(200)).byCluster).toEqual({ [TOKYO.cluster]: 200 });

    // A renotification changes nothing.
    await adapters.pubsub.publish('healthAlerts', alert(`osaka-${run}`, 'open', OSAKA, osakaStart));
    await adapters.pubsub.publish('healthAlerts', alert(`osaka-${run}`, 'closed', OSAKA, osakaStart));
    await adapters.pubsub.publish('healthAlerts', alert(`tokyo-${run}`, 'closed', TOKYO));
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
      timeoutMs: 5_000,
      what: 'Osaka still drained during the hold-down',
    });
    await bothServe();
    const after = await pollUntil(
      async () => {
        const t = await traffic();
        return t.byCluster[OSAKA.cluster] ? t : undefined;
      },
      { timeoutMs: 15_000, what: 'Osaka answering again' },
    );
    expect(after.errors).toBe(0);
    expect(after.byCluster[TOKYO.cluster]).toBeGreaterThan(300);
    expect(after.byCluster[OSAKA.cluster]).toBeGreaterThan(300);
  });

  it('a late report of an older incident is judged when it arrives: it never lifts the drain in force or moves traffic', async () => {
    await bothServe();
    const osakaStart = new Date();
    const tokyoStart = new Date(osakaStart.getTime() - 10 * 60_000);
    onTestFailed(async () => {
      await adapters.pubsub.publish('healthAlerts', alert(`late-osaka-${run}`, 'closed', OSAKA, osakaStart));
      await adapters.pubsub.publish('healthAlerts', alert(`late-tokyo-${run}`, 'closed', TOKYO, tokyoStart));
    });
    await adapters.pubsub.publish('healthAlerts', alert(`late-osaka-${run}`, 'open', OSAKA, osakaStart));
    expect((await operation(`late-osaka-${run}`)).result).toBe('succeeded');
    const drained = await weights();
    expect(drained).toEqual({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 0 });
    // Tokyo's incident started ten minutes before Osaka's, but fleetpilot learns of it only now.
    await adapters.pubsub.publish('healthAlerts', alert(`late-tokyo-${run}`, 'open', TOKYO, tokyoStart));
    const late = await operation(`late-tokyo-${run}`);
    expect(late.result).toBe('refused');
    expect(late.reason).toMatch(/^last-serving-region: draining asia-northeast1 would leave store with no serving region/);
    expect(await weights()).toEqual(drained);
    // A redelivery of the late report, and a tick, change nothing either.
    await handleMonitoringNotification(second.fleet, alert(`late-tokyo-${run}`, 'open', TOKYO, tokyoStart), `late-again-${run}`);
    expect(await weights()).toEqual(drained);
    await adapters.pubsub.publish('healthAlerts', alert(`late-osaka-${run}`, 'closed', OSAKA, osakaStart));
    await adapters.pubsub.publish('healthAlerts', alert(`late-tokyo-${run}`, 'closed', TOKYO, tokyoStart));
    await bothServe();
  });

  it('recognises test notifications and unmappable incidents, and drains nothing', async () => {
    const test = await handleMonitoringNotification(
      second.fleet,
      { version: 'test', incident: { incident_id: 'test-1', state: 'OPEN', started_at: 0, summary: 'test' } },
      'test-msg',
    );
    expect(test).toMatchObject({ result: 'skipped', reason: 'test notification: recognised, nothing drained' });
    const unmapped = alert(`nowhere-${run}`, 'open', OSAKA) as { incident: { resource: { labels: Record<string, string> } } };
    unmapped.incident.resource.labels = { project_id: sandboxInfo().projectId };
    const op = await handleMonitoringNotification(second.fleet, unmapped, 'unmapped-msg');
    expect(op.result).toBe('skipped');
    expect(op.reason).toMatch(/^incident not mapped to a region/);
    expect(await weights()).toEqual({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 50 });
  });

  it('never breaks the guard when two instances handle conflicting alerts at the same moment', async () => {
    await bothServe();
    const now = new Date();
    onTestFailed(async () => {
      await adapters.pubsub.publish('healthAlerts', alert(`race-tokyo-${run}`, 'closed', TOKYO, now));
      await adapters.pubsub.publish('healthAlerts', alert(`race-osaka-${run}`, 'closed', OSAKA, now));
    });
    const [a, b] = await Promise.all([
      handleMonitoringNotification({ ...second.fleet, instanceId: 'instance-a' }, alert(`race-tokyo-${run}`, 'open', TOKYO, now), 'race-a'),
      handleMonitoringNotification({ ...second.fleet, instanceId: 'instance-b' }, alert(`race-osaka-${run}`, 'open', OSAKA, now), 'race-b'),
    ]);
    expect([a.result, b.result]).not.toEqual(['refused', 'refused']);
    // Whichever instance wrote last rendered from both facts: one region drained, the other refused.
    const w = await weights();
    expect([w['store-asia-northeast1'], w['store-asia-northeast2']].filter((x) => x === 0)).toHaveLength(1);
    const snapshot = await readDrainSnapshot(adapters.store);
    expect(
      snapshot?.refusals.some((r) => [`race-tokyo-${run}`, `race-osaka-${run}`].includes(r.ref) && r.guard === 'last-serving-region'),
    ).toBe(true);
    // The data plane picks the route up within its poll interval; then one region answers everything.
    const t = await pollUntil(
      async () => {
        const r = await traffic(300);
        return Object.keys(r.byCluster).length === 1 ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'traffic served by one region only' },
    );
    expect(t.errors).toBe(0);
    await handleMonitoringNotification(second.fleet, alert(`race-tokyo-${run}`, 'closed', TOKYO, now), 'race-close-a');
    await handleMonitoringNotification(second.fleet, alert(`race-osaka-${run}`, 'closed', OSAKA, now), 'race-close-b');
    await bothServe();
  });

  const setScale = (cluster: string, scale: { ready?: number; maxReplicas?: number }) =>
    setStoreScale(adminKube(cluster), sandboxClusterAccess(cluster).kubeConfig, scale);
  /**
   * Tokyo may grow to 3 replicas, Osaka runs 6, the capacity guard is pushed as `capacity`, and an
   * Osaka alert `id` opens; the cleanup (also run when the test fails) closes it, turns the guard
   * off and puts both clusters back at 2 replicas.
   */
  const capacityAlert = async (id: string, what: string, capacity: Record<string, unknown>) => {
    const start = new Date();
    const cleanup = async () => {
      await adapters.pubsub.publish('healthAlerts', alert(id, 'closed', OSAKA, start));
      await pushConfig('capacity guard off', (doc) => void (doc.hasIn(['safety', 'capacity']) && doc.deleteIn(['safety', 'capacity'])));
      await setScale(TOKYO.cluster, { ready: 2, maxReplicas: DEFAULT_MAX_REPLICAS });
      await setScale(OSAKA.cluster, { ready: 2, maxReplicas: DEFAULT_MAX_REPLICAS });
    };
    onTestFailed(cleanup);
    await bothServe();
    await setScale(TOKYO.cluster, { ready: 2, maxReplicas: 3 });
    await setScale(OSAKA.cluster, { ready: 6, maxReplicas: 8 });
    await pushConfig(what, (doc) => doc.setIn(['safety', 'capacity'], doc.createNode(capacity)));
    await adapters.pubsub.publish('healthAlerts', alert(id, 'open', OSAKA, start));
    return cleanup;
  };

  it('capacity guard: an Osaka alert waits, with the numbers, while Tokyo cannot run the store, and drains once Tokyo’s autoscaler allows it', async () => {
    const cleanup = await capacityAlert(`capacity-${run}`, 'capacity guard on', { headroomPercent: 20 });
    const refused = await operation(`capacity-${run}`);
    expect(refused.result).toBe('refused');
    expect(refused.reason).toBe(
      'capacity: draining asia-northeast2 would overload the other regions: store runs 8 ready replicas (asia-northeast1 2 + asia-northeast2 6) and the other regions can run 2.4 (asia-northeast1 max 3, less 20% headroom)',
    );
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 50 });
    // Tokyo's autoscaler may now grow to 10 (8 usable): the next render (the tick's) applies the waiting drain.
    await setScale(TOKYO.cluster, { maxReplicas: 10 });
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the waiting Osaka drain to apply',
    });
    await cleanup();
    await bothServe();
  });
  it('capacity guard, partial mode: an Osaka alert moves only the share Tokyo can take, and the rest once Tokyo’s autoscaler allows it', async () => {
    const id = `partial-${run}`;
    const cleanup = await capacityAlert(id, 'capacity guard on, partial', { headroomPercent: 20, mode: 'partial' });
    const partial = await operation(id);
    // Tokyo runs 2 and may run 2.4: room for 0.4 of Osaka's 6, so Osaka keeps 94% of its weight (50 → 47).
    expect(partial.result).toBe('succeeded');
    expect(partial.reason).toMatch(/^asia-northeast2 partly drained: keeps 94% of its weight/);
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 47 });
    await setScale(TOKYO.cluster, { maxReplicas: 10 });
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the rest of the Osaka drain to apply',
    });
    await cleanup();
    await bothServe();
  });
});
