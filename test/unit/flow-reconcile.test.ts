/**
 * The reconcile pass (onboarding/reconcile.ts) as the tick runs it every minute and as an operator
 * asks for it: re-apply member objects of onboarded clusters, then re-render routes. Each test
 * changes the world behind fleetpilot's back and asserts what the pass leaves.
 */
import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { LEASES } from '../../shared/state/leases.ts';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { NOTHING_TO_CHANGE, reconcileNow } from '../../shared/onboarding/reconcile.ts';
import { ONBOARDING_STEPS } from '../../shared/onboarding/steps.ts';
import { onboardCluster } from '../../shared/onboarding/cluster-ops.ts';
import { connectionRefused, httpError } from '../support/faults.ts';
import { demoFleet, memoryFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const OPERATOR = 'oncall@example.com';
let ticks = 0;
/** The scheduler's tick: the function handler uses only the fleet context. */
const tick = (fleet: MemoryFleet) =>
  tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `tick-${++ticks}`);
const exportRef = (name: string) => ({ apiVersion: 'net.gke.io/v1', kind: 'ServiceExport', namespace: 'store', name });

describe('the tick', () => {
  it('changes nothing on a fleet that is as it should be, records it and announces nothing', async () => {
    const fleet = await demoFleet();
    const record = await tick(fleet);
    expect(record).toMatchObject({ kind: 'tick', principal: 'scheduler', result: 'succeeded', reason: NOTHING_TO_CHANGE });
    expect(fleet.published).toEqual([]);
  });

  it('re-applies a member object someone deleted', async () => {
    const fleet = await demoFleet();
    fleet.kube(OSAKA.name).remove(exportRef('store-asia-northeast2'));
    const record = await tick(fleet);
    expect(await fleet.kube(OSAKA.name).get(exportRef('store-asia-northeast2'))).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'fleetpilot' } },
    });
    expect(record.steps.find((s) => s.name === ONBOARDING_STEPS.memberObjectsOf(OSAKA.name))).toMatchObject({
      outcome: 'done',
      detail: 'ServiceExport store/store-asia-northeast2',
    });
    expect(record.steps.find((s) => s.name === ONBOARDING_STEPS.memberObjectsOf(TOKYO.name))).toMatchObject({ outcome: 'unchanged' });
  });

  it("follows the application's Service: a target port it changed reaches the derived Services", async () => {
    const fleet = await demoFleet();
    const osaka = fleet.kube(OSAKA.name);
    const serviceRef = (name: string) => ({ apiVersion: 'v1', kind: 'Service', namespace: 'store', name });
    const app = (await osaka.get(serviceRef('store')))!;
    osaka.put({ ...app, spec: { selector: { app: 'store' }, ports: [{ name: 'http', port: 8080, targetPort: 9090 }] } } as never);
    const record = await tick(fleet);
    for (const name of ['store-asia-northeast2', `store-${OSAKA.name}`]) {
      expect(await osaka.get(serviceRef(name)), name).toMatchObject({ spec: { ports: [{ name: 'http', port: 8080, targetPort: 9090 }] } });
    }
    expect(record.steps.find((s) => s.name === ONBOARDING_STEPS.memberObjectsOf(OSAKA.name))).toMatchObject({ outcome: 'done' });
    const again = await tick(fleet);
    expect(again.steps.find((s) => s.name === ONBOARDING_STEPS.memberObjectsOf(OSAKA.name))).toMatchObject({ outcome: 'unchanged' });
  });

  it('labels a ServiceExport someone created by hand without the label (read alone, not missed by the list)', async () => {
    const fleet = await demoFleet();
    const osaka = fleet.kube(OSAKA.name);
    osaka.remove(exportRef('store-asia-northeast2'));
    osaka.put({ apiVersion: 'net.gke.io/v1', kind: 'ServiceExport', metadata: { name: 'store-asia-northeast2', namespace: 'store' } });
    await tick(fleet);
    expect(await osaka.get(exportRef('store-asia-northeast2'))).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'fleetpilot' } },
    });
  });

  it('reads each object alone when the role may not list them (RBAC from before list was granted)', async () => {
    const fleet = await demoFleet();
    const osaka = fleet.kube(OSAKA.name);
    const list = osaka.list.bind(osaka);
    osaka.list = (apiVersion: string, kind: string, namespace?: string, selector?: string) =>
      kind === 'Service' || kind === 'ServiceExport'
        ? Promise.reject(httpError(403, 'services is forbidden: cannot list'))
        : list(apiVersion, kind, namespace, selector);
    osaka.remove(exportRef('store-asia-northeast2'));
    const record = await tick(fleet);
    expect(await osaka.get(exportRef('store-asia-northeast2'))).not.toBeNull();
    expect(record.steps.find((s) => s.name === ONBOARDING_STEPS.memberObjectsOf(OSAKA.name))).toMatchObject({
      outcome: 'done',
      detail: 'ServiceExport store/store-asia-northeast2',
    });
  });

  it('exports an application deployed after onboarding, and its region joins the routes once the ServiceImports appear', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster({ ...TOKYO, onboarded: true });
    await fleet.addCluster({ ...OSAKA, app: false });
    await onboardCluster(fleet.ctx, {
      cluster: { location: OSAKA.location, name: OSAKA.name },
      principal: 'admin',
      dryRun: false,
      source: 'api',
    });
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50 });
    // The application is deployed later; the next tick exports it, the MCS controller imports it, the tick after routes it.
    fleet.kube(OSAKA.name).put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'store', namespace: 'store' },
      spec: { selector: { app: 'store' }, ports: [{ port: 8080 }] },
    } as never);
    const record = await tick(fleet);
    expect(record.reason).toContain('HTTPRoute store/store: + backend store-asia-northeast2 weight 50 on default rule');
    expect(fleet.route('store')).toMatchObject({
      weights: { 'asia-northeast1': 50, 'asia-northeast2': 50 },
      pins: { '/tokyo': TOKYO.name, '/osaka': OSAKA.name },
    });
    expect(fleet.published.at(-1)).toMatchObject({ kind: 'tick', result: 'succeeded' });
  });

  it('adds a region whose ServiceImports appeared since onboarding', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, onboarded: true });
    await fleet.addCluster({ ...OSAKA, onboarded: true, imports: false });
    await tick(fleet);
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50 });
    fleet.importService('store', { region: OSAKA.region });
    fleet.importService('store', { cluster: OSAKA.name });
    await tick(fleet);
    expect(fleet.route('store')).toMatchObject({
      weights: { 'asia-northeast1': 50, 'asia-northeast2': 50 },
      pins: { '/osaka': OSAKA.name },
    });
  });

  it('skips clusters that are not running, and attached clusters whose membership is not READY', async () => {
    const fleet = await demoFleet();
    await fleet.addAttached({ id: 'onprem-1' });
    await onboardCluster(fleet.ctx, {
      cluster: { membership: `projects/${fleet.project}/locations/global/memberships/onprem-1` },
      region: 'asia-east1',
      principal: 'admin',
      dryRun: false,
      source: 'api',
    });
    fleet.hub.putMembership({ ...fleet.hub.memberships().find((m) => m.name.endsWith('/onprem-1'))!, state: { code: 'UPDATING' } });
    fleet.container.setStatus(OSAKA.location, OSAKA.name, 'STOPPING');
    const record = await tick(fleet);
    const steps = record.steps.map((s) => s.name);
    expect(steps).toContain(ONBOARDING_STEPS.memberObjectsOf(TOKYO.name));
    expect(steps).not.toContain(ONBOARDING_STEPS.memberObjectsOf(OSAKA.name));
    expect(record.steps.find((s) => s.name === ONBOARDING_STEPS.memberObjectsOf('onprem-1'))).toMatchObject({
      outcome: 'skipped',
      detail: `membership projects/${fleet.project}/locations/global/memberships/onprem-1 is UPDATING`,
    });
  });

  it('an attached cluster the gateway cannot reach does not hold up the routes', async () => {
    const fleet = await demoFleet();
    await fleet.addAttached({ id: 'onprem-1' });
    await onboardCluster(fleet.ctx, {
      cluster: { membership: `projects/${fleet.project}/locations/global/memberships/onprem-1` },
      region: 'asia-east1',
      principal: 'admin',
      dryRun: false,
      source: 'api',
    });
    fleet.kube('onprem-1').fail('apply', connectionRefused('connect gateway'));
    fleet.container.setStatus(OSAKA.location, OSAKA.name, 'STOPPING');
    const record = await tick(fleet);
    expect(record.result).toBe('succeeded');
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50 });
    expect(fleet.logLines.some((l) => l.includes('attached cluster not reconciled; the next tick tries again'))).toBe(true);
  });

  it('never throws: a transient failure is recorded as skipped (and announced), a terminal one as failed', async () => {
    const fleet = await demoFleet();
    fleet.container.fail('listClusters', httpError(503, 'container API unavailable'), 1);
    const skipped = await tick(fleet);
    fleet.container.fail('getCluster', httpError(403, 'permission denied'), 1);
    const failed = await tick(fleet);
    expect([skipped.result, skipped.reason, failed.result, failed.reason]).toEqual([
      'skipped',
      'container API unavailable',
      'failed',
      'permission denied',
    ]);
    expect(fleet.published.map((r) => r.result)).toEqual(['skipped', 'failed']);
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
  });

  it('does not wait for a route lease another run holds: it ends at once and the next tick is its retry', async () => {
    const fleet = await demoFleet();
    const key = 'routes:asia-northeast1-b:mc-gw-config-cluster';
    await fleet.store.set(LEASES, key, {
      holder: 'other-instance:op-x',
      expireAt: Timestamp.fromMillis(fleet.clock.now().getTime() + 60_000),
    });
    const started = fleet.clock.now().getTime();
    const record = await tick(fleet);
    expect(record).toMatchObject({ kind: 'tick', result: 'skipped' });
    expect(record.reason).toContain('being worked on by another instance');
    expect(fleet.clock.now().getTime() - started).toBeLessThan(1_000);
    expect(fleet.store.docs.get(`${LEASES}/${key}`)).toMatchObject({ holder: 'other-instance:op-x' });
  });
});

describe('reconcile on request', () => {
  it('a dry run shows the route lines a reconcile would change, and changes nothing', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, onboarded: true });
    await fleet.addCluster({ ...OSAKA, onboarded: true });
    const result = await reconcileNow(fleet.ctx, { principal: OPERATOR, dryRun: true, source: 'api' });
    expect(result).toMatchObject({ result: 'planned', summary: 'dry run: reconcile would change 7 route line(s)' });
    expect(result.plan).toEqual([
      'HTTPRoute store/store: + HTTPRoute store/store',
      'HTTPRoute store/store: + parent Gateway store/external-http',
      'HTTPRoute store/store: + hostname store.example.com',
      'HTTPRoute store/store: + rule /tokyo → store-mc-gw-tokyo weight 1',
      'HTTPRoute store/store: + rule /osaka → store-mc-gw-osaka weight 1',
      'HTTPRoute store/store: + default rule → store-asia-northeast1 weight 50, store-asia-northeast2 weight 50',
      'store: 50% of default traffic moves',
    ]);
    expect(fleet.route('store')).toBeNull();
    expect(fleet.operations()).toEqual([]);
  });

  it('applies and says what changed; a second time, that nothing did', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, onboarded: true });
    const first = await reconcileNow(fleet.ctx, { principal: OPERATOR, dryRun: false, source: 'api' });
    expect(first.summary).toBe(
      `reconciled by ${OPERATOR}: Gateway store/external-http created; ${[
        '+ HTTPRoute store/store',
        '+ parent Gateway store/external-http',
        '+ hostname store.example.com',
        '+ rule /tokyo → store-mc-gw-tokyo weight 1',
        '+ default rule → store-asia-northeast1 weight 50',
      ]
        .map((line) => `HTTPRoute store/store: ${line}`)
        .join('; ')}`,
    );
    expect(first.operation).toMatchObject({ kind: 'reconcile', principal: OPERATOR, result: 'succeeded' });
    const second = await reconcileNow(fleet.ctx, { principal: OPERATOR, dryRun: false, source: 'api' });
    expect(second.summary).toBe(`reconciled by ${OPERATOR}: ${NOTHING_TO_CHANGE}`);
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50 });
  });
});
