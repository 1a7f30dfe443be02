/**
 * The cluster lifecycle flow (onboarding/lifecycle.ts): an audit entry is a nudge; the flow reads the
 * cluster and converges. Every test sends entries to the real handler on the in-memory fleet and
 * asserts the end state: fleetpilot's cluster record, the fleet membership, the member objects,
 * the live route and the operation records.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gkeResourceLink } from '../../shared/adapters/gkehub-types.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import { ONBOARDING_STEPS } from '../../shared/onboarding/steps.ts';
import { auditEntry, type AuditEntrySpec } from '../support/events.ts';
import { httpError } from '../support/faults.ts';
import { demoFleet, gkeMembership, memoryFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const AT = new Date('2025-05-01T11:59:00Z');

/** The entry of one half of a call on `cluster`. */
const entry = (
  fleet: MemoryFleet,
  cluster: { name: string; location: string },
  action: AuditEntrySpec['action'],
  phase: AuditEntrySpec['phase'],
  more: Partial<AuditEntrySpec> = {},
) =>
  auditEntry({
    action,
    phase,
    project: fleet.project,
    location: cluster.location,
    cluster: cluster.name,
    operationId: `operation-${action}-${cluster.name}`,
    at: AT,
    ...more,
  });

let messages = 0;
/** Delivers an entry as Pub/Sub would once; returns the record, or what was thrown for redelivery. */
async function deliver(fleet: MemoryFleet, e: Record<string, unknown>) {
  try {
    return { record: await handleClusterAuditEntry(fleet.ctx, e, `msg-${++messages}`), threw: undefined };
  } catch (error) {
    return { record: fleet.operations().at(-1), threw: error };
  }
}
const memberships = (fleet: MemoryFleet) =>
  fleet.hub
    .memberships()
    .map((m) => m.name.split('/').pop())
    .sort();
const kinds = (fleet: MemoryFleet, cluster: string) =>
  fleet
    .kube(cluster)
    .objects()
    .map((o) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`)
    .sort();

describe('cluster lifecycle: creation', () => {
  it('the first entry of a creation only waits: nothing is registered or recorded', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, status: 'PROVISIONING' });
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'create', 'first'));
    expect(record).toMatchObject({
      kind: 'cluster-lifecycle',
      result: 'skipped',
      reason: 'creation accepted; onboarding waits for the last entry',
      subject: `${fleet.project}/${TOKYO.location}/${TOKYO.name}`,
      region: TOKYO.region,
    });
    expect(fleet.clusterRecord(TOKYO.name)).toBeUndefined();
    expect(memberships(fleet)).toEqual(['mc-gw-config-cluster']);
  });

  it('the last entry onboards the running cluster: membership, features, member objects, mesh, record, and its region joins the routes', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'create', 'last'));
    expect(record).toMatchObject({ result: 'succeeded', reason: 'cluster onboarded' });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({
      phase: 'onboarded',
      region: TOKYO.region,
      membership: `projects/${fleet.project}/locations/global/memberships/${TOKYO.name}`,
      operationId: record?.id,
    });
    expect(fleet.hub.memberships().find((m) => m.name.endsWith(`/${TOKYO.name}`))).toMatchObject({
      state: { code: 'READY' },
      endpoint: { gkeCluster: { resourceLink: gkeResourceLink(fleet.project, TOKYO.location, TOKYO.name) } },
    });
    expect(fleet.hub.features().map((f) => [f.name.split('/').pop(), f.spec])).toEqual([
      ['multiclusterservicediscovery', {}],
      [
        'multiclusteringress',
        { multiclusteringress: { configMembership: `projects/${fleet.project}/locations/global/memberships/mc-gw-config-cluster` } },
      ],
    ]);
    expect(kinds(fleet, TOKYO.name)).toEqual(
      expect.arrayContaining([
        'ServiceExport store/store',
        'Service store/store-asia-northeast1',
        'ServiceExport store/store-asia-northeast1',
        'Service store/store-mc-gw-tokyo',
        'ServiceExport store/store-mc-gw-tokyo',
        'DestinationRule store/store',
      ]),
    );
    // Osaka is configured but has no cluster: the route serves Tokyo alone, and pins only /tokyo.
    expect(fleet.route('store')).toMatchObject({ weights: { 'asia-northeast1': 50 }, pins: { '/tokyo': TOKYO.name } });
    expect(fleet.published.map((r) => r.result)).toEqual(['succeeded']);
  });

  it('a second cluster in another region joins the default rule; the first keeps serving', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    await fleet.addCluster(OSAKA);
    await deliver(fleet, entry(fleet, TOKYO, 'create', 'last'));
    await deliver(fleet, entry(fleet, OSAKA, 'create', 'last'));
    expect(fleet.route('store')).toMatchObject({
      weights: { 'asia-northeast1': 50, 'asia-northeast2': 50 },
      pins: { '/tokyo': TOKYO.name, '/osaka': OSAKA.name },
    });
    // The mesh: each cluster holds the other's remote secret.
    expect(kinds(fleet, TOKYO.name)).toContain('Secret istio-system/istio-remote-secret-mc-gw-osaka');
    expect(kinds(fleet, OSAKA.name)).toContain('Secret istio-system/istio-remote-secret-mc-gw-tokyo');
  });

  it('onboards without routing the region while its ServiceImports have not appeared (waits on the test clock, then leaves it to the tick)', async () => {
    const fleet = memoryFleet({ importWaitMs: 10_000 });
    await fleet.addCluster(TOKYO);
    const started = fleet.clock.now().getTime();
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'create', 'last'));
    expect(record?.result).toBe('succeeded');
    expect(record?.steps.find((s) => s.name === ONBOARDING_STEPS.waitForImports)).toMatchObject({ outcome: 'skipped' });
    expect(fleet.clock.now().getTime() - started).toBeGreaterThanOrEqual(10_000);
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarded');
    expect(fleet.route('store')).toBeNull();
  });

  it('a failed creation is recorded as failed; nothing is registered', async () => {
    const fleet = memoryFleet();
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'create', 'last', { failed: 'QUOTA_EXCEEDED: not enough CPUs' }));
    expect(record).toMatchObject({ result: 'skipped', reason: 'cluster creation failed: QUOTA_EXCEEDED: not enough CPUs' });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'failed', reason: 'QUOTA_EXCEEDED: not enough CPUs' });
    expect(memberships(fleet)).toEqual(['mc-gw-config-cluster']);
  });

  it('a cluster the policy does not select is recorded as skipped with the reason, and left alone', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, labels: { team: 'data' } });
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'create', 'last'));
    expect(record).toMatchObject({
      result: 'skipped',
      reason: 'policy: cluster labels do not match the onboarding selector (needs fleetpilot-onboard=true)',
    });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({
      phase: 'skipped',
      reason: 'cluster labels do not match the onboarding selector (needs fleetpilot-onboard=true)',
    });
    expect(memberships(fleet)).toEqual(['mc-gw-config-cluster']);
    expect(kinds(fleet, TOKYO.name)).not.toContain('ServiceExport store/store');
  });

  it('a cluster still provisioning is left for a later entry', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, status: 'PROVISIONING' });
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'create', 'last'));
    expect(record).toMatchObject({ result: 'skipped', reason: 'cluster status is PROVISIONING; nothing to do until it runs' });
    expect(fleet.clusterRecord(TOKYO.name)).toBeUndefined();
  });

  it('a membership of the same name that names another cluster fails onboarding (terminal) and the record says why', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster(TOKYO);
    fleet.hub.putMembership(gkeMembership(fleet.project, 'global', TOKYO.name, 'europe-west1-b', fleet.clock.now()));
    const { record, threw } = await deliver(fleet, entry(fleet, TOKYO, 'create', 'last'));
    expect(threw).toBeUndefined();
    expect(record?.result).toBe('failed');
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({
      phase: 'failed',
      reason: expect.stringContaining(`membership ${TOKYO.name} already exists for another cluster`) as unknown,
    });
    expect(fleet.hub.memberships().find((m) => m.name.endsWith(`/${TOKYO.name}`))?.endpoint?.gkeCluster?.resourceLink).toContain(
      'europe-west1-b',
    );
  });

  it('a transient failure mid-onboarding is retried by redelivery, which finishes the job', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    fleet.hub.fail('createFeature', httpError(503, 'backend unavailable'), 1);
    const e = entry(fleet, TOKYO, 'create', 'last');
    const first = await deliver(fleet, e);
    expect([first.record?.result, (first.threw as Error | undefined)?.message]).toEqual(['retrying', 'backend unavailable']);
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarding');
    const again = await deliver(fleet, e);
    expect(again.record?.result).toBe('succeeded');
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarded');
  });
});

describe('cluster lifecycle: deletion', () => {
  it('a deleting (STOPPING) cluster leaves routing at once; its membership stays until the deletion is confirmed', async () => {
    const fleet = await demoFleet();
    fleet.container.setStatus(TOKYO.location, TOKYO.name, 'STOPPING');
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'delete', 'first'));
    expect(record).toMatchObject({ result: 'succeeded', reason: 'cluster is being deleted: taken out of routing' });
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('leaving');
    expect(fleet.route('store')).toMatchObject({ weights: { 'asia-northeast2': 50 }, pins: { '/osaka': OSAKA.name } });
    expect(memberships(fleet)).toContain(TOKYO.name);
  });

  it('a confirmed deletion removes the membership that names the cluster and records it as removed', async () => {
    const fleet = await demoFleet();
    fleet.container.remove(TOKYO.location, TOKYO.name);
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'delete', 'last'));
    expect(record).toMatchObject({ result: 'succeeded', reason: 'cluster is deleted: removed from the fleet' });
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('removed');
    expect(memberships(fleet)).toEqual(['mc-gw-config-cluster', OSAKA.name]);
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast2': 50 });
    expect(record?.steps.find((s) => s.name === ONBOARDING_STEPS.removeMembership)).toMatchObject({
      outcome: 'done',
      detail: `membership ${TOKYO.name}: deleted`,
    });
  });

  it('never deletes a same-named membership that names another cluster', async () => {
    const fleet = await demoFleet();
    fleet.container.remove(TOKYO.location, TOKYO.name);
    fleet.hub.putMembership(gkeMembership(fleet.project, 'global', TOKYO.name, 'asia-northeast1-c', fleet.clock.now()));
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'delete', 'last'));
    expect(record?.result).toBe('succeeded');
    expect(fleet.hub.memberships().find((m) => m.name.endsWith(`/${TOKYO.name}`))?.endpoint?.gkeCluster?.resourceLink).toBe(
      gkeResourceLink(fleet.project, 'asia-northeast1-c', TOKYO.name),
    );
    expect(record?.steps.find((s) => s.name === ONBOARDING_STEPS.removeMembership)).toMatchObject({
      outcome: 'unchanged',
      detail: `membership ${TOKYO.name}: not ours`,
    });
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('removed');
  });

  it('a duplicate entry is skipped and changes nothing', async () => {
    const fleet = await demoFleet();
    fleet.container.remove(TOKYO.location, TOKYO.name);
    const e = entry(fleet, TOKYO, 'delete', 'last');
    await deliver(fleet, e);
    const state = structuredClone([...fleet.store.docs].filter(([k]) => !k.startsWith('operations/')));
    const route = fleet.route('store');
    const { record } = await deliver(fleet, e);
    expect(record).toMatchObject({ result: 'skipped', reason: 'duplicate: this event was already processed', steps: [] });
    expect([...fleet.store.docs].filter(([k]) => !k.startsWith('operations/'))).toEqual(state);
    expect(fleet.route('store')).toEqual(route);
  });
});

describe('cluster lifecycle: fail static', () => {
  it.each<[string, (fleet: MemoryFleet) => void, 'retrying' | 'failed']>([
    ['the cluster read fails (503)', (f) => f.container.fail('getCluster', httpError(503, 'container API unavailable')), 'retrying'],
    [
      'the cluster read is refused (403)',
      (f) => f.container.fail('getCluster', httpError(403, 'permission denied on the cluster')),
      'failed',
    ],
    [
      'the fleet list fails while routes are re-rendered',
      (f) => {
        f.container.remove(TOKYO.location, TOKYO.name);
        f.container.fail('listClusters', httpError(503, 'container API unavailable'));
      },
      'retrying',
    ],
    [
      'the config cluster cannot be reached',
      (f) => {
        f.container.remove(TOKYO.location, TOKYO.name);
        f.configKube.fail('list', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      },
      'retrying',
    ],
  ])('%s: nothing leaves routing and no membership is removed', async (_name, breakIt, result) => {
    const fleet = await demoFleet();
    const route = fleet.route('store');
    breakIt(fleet);
    const { record } = await deliver(fleet, entry(fleet, TOKYO, 'delete', 'last'));
    expect(record?.result).toBe(result);
    expect(fleet.route('store')).toEqual(route);
    expect(memberships(fleet)).toContain(TOKYO.name);
    expect(fleet.clusterRecord(TOKYO.name)?.phase).not.toBe('removed');
  });

  it('a malformed entry is recorded as skipped and acknowledged', async () => {
    const fleet = await demoFleet();
    const { record, threw } = await deliver(fleet, {
      protoPayload: { methodName: 'google.container.v1.ClusterManager.SetLabels' },
      operation: { id: 'x', last: true },
      timestamp: AT.toISOString(),
    });
    expect(threw).toBeUndefined();
    expect(record).toMatchObject({
      result: 'skipped',
      subject: 'unknown',
      reason: 'entry rejected: method google.container.v1.ClusterManager.SetLabels is not a cluster create or delete',
    });
  });
});

describe('cluster lifecycle: any order, any number of deliveries', () => {
  const ENTRIES = [
    ['create', 'first'],
    ['create', 'last'],
    ['delete', 'first'],
    ['delete', 'last'],
  ] as const;

  it('ends in the state the cluster is in, whatever entries arrive and in whatever order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('running', 'gone'),
        fc
          .array(fc.constantFrom(...ENTRIES), { minLength: 1, maxLength: 6 })
          .filter((es) => es.some(([a, p]) => a === 'delete' || p === 'last')),
        async (world, entries) => {
          const fleet = memoryFleet({ mcs: 'auto' });
          await fleet.addCluster(OSAKA);
          await deliver(fleet, entry(fleet, OSAKA, 'create', 'last'));
          await fleet.addCluster(TOKYO);
          if (world === 'gone') fleet.container.remove(TOKYO.location, TOKYO.name);
          for (const [action, phase] of entries) {
            const { threw } = await deliver(fleet, entry(fleet, TOKYO, action, phase));
            expect(threw).toBeUndefined();
          }
          const record = fleet.clusterRecord(TOKYO.name);
          if (world === 'running') {
            expect(record?.phase).toBe('onboarded');
            expect(memberships(fleet)).toContain(TOKYO.name);
            expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
          } else {
            expect(record?.phase).toBe('removed');
            expect(memberships(fleet)).not.toContain(TOKYO.name);
            expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast2': 50 });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
