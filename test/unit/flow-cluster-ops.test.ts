/**
 * On-demand onboarding and offboarding (onboarding/cluster-ops.ts and attached-ops.ts), through the
 * real flows on the in-memory fleet: each test asserts the cluster record, the fleet membership,
 * the member objects, the live route and the recorded operation — or the request error and that
 * nothing changed.
 */
import { describe, expect, it } from 'vitest';
import { RequestError } from '../../shared/core/errors.ts';
import { offboardCluster, onboardCluster, type ClusterRequest } from '../../shared/onboarding/cluster-ops.ts';
import { ONBOARDING_STEPS } from '../../shared/onboarding/steps.ts';
import { demoFleet, EXAMPLE_CONFIG, memoryFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const ADMIN = 'admin@example.com';
const ONPREM = 'onprem-1';
const req = (cluster: ClusterRequest['cluster'], more: Partial<ClusterRequest> = {}): ClusterRequest => ({
  cluster,
  principal: ADMIN,
  dryRun: false,
  source: 'api',
  ...more,
});
const membershipName = (fleet: MemoryFleet, id: string) => `projects/${fleet.project}/locations/global/memberships/${id}`;
const memberships = (fleet: MemoryFleet) =>
  fleet.hub
    .memberships()
    .map((m) => m.name.split('/').pop())
    .sort();
const failure = (run: Promise<unknown>) =>
  run.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('onboard on request', () => {
  it('by location and name: registers, wires and routes the cluster (the label selector does not apply), and records the operation', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster({ ...TOKYO, labels: {} });
    const result = await onboardCluster(fleet.ctx, req({ location: TOKYO.location, name: TOKYO.name }));
    const subject = `${fleet.project}/${TOKYO.location}/${TOKYO.name}`;
    expect(result).toMatchObject({ result: 'succeeded', summary: `${subject} onboarded by ${ADMIN}` });
    expect(result.operation).toMatchObject({
      kind: 'manual-onboard',
      principal: ADMIN,
      subject,
      cluster: subject,
      region: TOKYO.region,
      result: 'succeeded',
    });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'onboarded', membership: membershipName(fleet, TOKYO.name) });
    expect(memberships(fleet)).toContain(TOKYO.name);
    expect(fleet.route('store')).toMatchObject({ weights: { 'asia-northeast1': 50 }, pins: { '/tokyo': TOKYO.name } });
  });

  it('by the membership a GKE cluster registered itself with: that membership is used as it is', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster({ ...OSAKA, registered: true });
    const result = await onboardCluster(fleet.ctx, req({ membership: membershipName(fleet, OSAKA.name) }));
    expect(result.result).toBe('succeeded');
    expect(result.operation?.steps.find((s) => s.name === ONBOARDING_STEPS.registerMembership)).toMatchObject({
      outcome: 'unchanged',
      detail: `${membershipName(fleet, OSAKA.name)}: self-registered`,
    });
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast2': 50 });
  });

  it('a dry run shows the plan and changes nothing', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster(TOKYO);
    const result = await onboardCluster(fleet.ctx, req({ location: TOKYO.location, name: TOKYO.name }, { dryRun: true }));
    expect(result).toMatchObject({ result: 'planned', summary: `dry run: would onboard ${fleet.project}/${TOKYO.location}/${TOKYO.name}` });
    expect(result.plan).toEqual([
      `register ${TOKYO.name} in the fleet (membership ${TOKYO.name}) with Workload Identity`,
      'enable fleet features multiclusterservicediscovery and multiclusteringress',
      `apply namespaces, Services and ServiceExports for store in ${TOKYO.name}; label nodes with topology`,
      'join the mesh: injection labels, DestinationRules, remote secrets',
      `route ${TOKYO.region} once its ServiceImports exist on the config cluster`,
    ]);
    expect(fleet.clusterRecord(TOKYO.name)).toBeUndefined();
    expect(memberships(fleet)).toEqual(['mc-gw-config-cluster']);
    expect(fleet.operations()).toEqual([]);
  });

  it.each<[string, (fleet: MemoryFleet) => Promise<unknown>, ClusterRequest['cluster'], Partial<ClusterRequest>, string, string]>([
    [
      'a cluster that does not exist',
      async () => undefined,
      { location: 'asia-northeast1-a', name: 'ghost' },
      {},
      'not_found',
      'cluster asia-northeast1-a/ghost does not exist',
    ],
    [
      'a cluster that is not running',
      (f) => f.addCluster({ ...TOKYO, status: 'PROVISIONING' }),
      TOKYO,
      {},
      'failed_precondition',
      `cluster ${TOKYO.name} is PROVISIONING; only a running cluster can be onboarded`,
    ],
    [
      'a region for a GKE cluster',
      (f) => f.addCluster(TOKYO),
      TOKYO,
      { region: 'asia-east1' },
      'invalid_argument',
      `region is only for attached and on-prem clusters; ${TOKYO.name} is a GKE cluster in ${TOKYO.region}`,
    ],
    [
      'a malformed membership name',
      async () => undefined,
      { membership: 'memberships/x' },
      {},
      'invalid_argument',
      'membership must be projects/PROJECT/locations/LOCATION/memberships/ID',
    ],
    [
      'a membership that does not exist',
      async () => undefined,
      { membership: 'projects/fleetpilot-sandbox/locations/global/memberships/nope' },
      {},
      'not_found',
      'membership projects/fleetpilot-sandbox/locations/global/memberships/nope does not exist',
    ],
  ])('refuses %s with a request error and changes nothing', async (_name, given, cluster, more, problem, message) => {
    const fleet = memoryFleet();
    await given(fleet);
    const error = await failure(
      onboardCluster(fleet.ctx, req('membership' in cluster ? cluster : { location: cluster.location, name: cluster.name }, more)),
    );
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ problem, message });
    expect(fleet.operations()).toEqual([]);
    expect(memberships(fleet)).toEqual(['mc-gw-config-cluster']);
  });

  it('refuses a location the policy does not allow', async () => {
    const fleet = memoryFleet({
      config: EXAMPLE_CONFIG.replace('  perClusterServices: true', '  perClusterServices: true\n  allowedLocations: [asia-northeast2]'),
    });
    await fleet.addCluster(TOKYO);
    expect(await failure(onboardCluster(fleet.ctx, req({ location: TOKYO.location, name: TOKYO.name })))).toMatchObject({
      problem: 'failed_precondition',
      message: `cluster ${TOKYO.name} cannot be onboarded: location ${TOKYO.location} is not allowed (allowed: asia-northeast2)`,
    });
  });
});

describe('offboard on request', () => {
  it('takes the cluster out of routing and out of the fleet', async () => {
    const fleet = await demoFleet();
    const result = await offboardCluster(fleet.ctx, req({ location: OSAKA.location, name: OSAKA.name }));
    expect(result).toMatchObject({
      result: 'succeeded',
      summary: `${fleet.project}/${OSAKA.location}/${OSAKA.name} offboarded by ${ADMIN}`,
    });
    expect(fleet.clusterRecord(OSAKA.name)?.phase).toBe('removed');
    expect(memberships(fleet)).not.toContain(OSAKA.name);
    expect(fleet.route('store')).toMatchObject({ weights: { 'asia-northeast1': 50 }, pins: { '/tokyo': TOKYO.name } });
  });

  it('is refused, and recorded as refused, when it would leave a service with no serving region', async () => {
    const fleet = await demoFleet();
    await offboardCluster(fleet.ctx, req({ location: OSAKA.location, name: OSAKA.name }));
    const route = fleet.route('store');
    const result = await offboardCluster(fleet.ctx, req({ location: TOKYO.location, name: TOKYO.name }));
    const reason = `offboarding ${TOKYO.name} would leave store with no serving region`;
    expect(result).toMatchObject({
      result: 'refused',
      refusal: { guard: 'last-serving-region', reason },
      summary: `offboard ${fleet.project}/${TOKYO.location}/${TOKYO.name} refused by last-serving-region: ${reason}`,
    });
    expect(result.operation).toMatchObject({ kind: 'manual-offboard', result: 'refused', reason: `last-serving-region: ${reason}` });
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarded');
    expect(memberships(fleet)).toContain(TOKYO.name);
    expect(fleet.route('store')).toEqual(route);
  });

  it('a dry run that would be refused says so and records nothing', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, onboarded: true });
    const result = await offboardCluster(fleet.ctx, req({ location: TOKYO.location, name: TOKYO.name }, { dryRun: true }));
    expect(result).toMatchObject({ result: 'refused', refusal: { guard: 'last-serving-region' } });
    expect(fleet.operations()).toEqual([]);
  });

  it('refuses a region in the request', async () => {
    const fleet = await demoFleet();
    expect(
      await failure(offboardCluster(fleet.ctx, req({ location: OSAKA.location, name: OSAKA.name }, { region: OSAKA.region }))),
    ).toMatchObject({ problem: 'invalid_argument' });
    expect(fleet.clusterRecord(OSAKA.name)?.phase).toBe('onboarded');
  });
});

describe('attached and on-prem clusters', () => {
  const onprem = (fleet: MemoryFleet) => ({ membership: membershipName(fleet, ONPREM) });

  it('onboard through Connect Gateway in the region the request names; the membership is left as it is', async () => {
    const fleet = await demoFleet({ mcs: 'auto' });
    const membership = await fleet.addAttached({ id: ONPREM });
    const result = await onboardCluster(fleet.ctx, req(onprem(fleet), { region: 'asia-east1' }));
    expect(result).toMatchObject({ result: 'succeeded', summary: `${fleet.project}/global/${ONPREM} onboarded by ${ADMIN}` });
    expect(fleet.clusterRecord(ONPREM)).toMatchObject({
      kind: 'attached',
      phase: 'onboarded',
      region: 'asia-east1',
      location: 'global',
      membership: membership.name,
    });
    expect(fleet.hub.memberships().find((m) => m.name === membership.name)).toEqual(membership);
    // On-prem nodes get the region label they lack; the region joins the routes with the default weight.
    expect((await fleet.kube(ONPREM).list('v1', 'Node'))[0]?.metadata?.labels).toMatchObject({
      'topology.kubernetes.io/region': 'asia-east1',
    });
    expect(fleet.route('store')?.weights).toEqual({ 'asia-east1': 100, 'asia-northeast1': 50, 'asia-northeast2': 50 });
    expect(result.operation?.steps.find((s) => s.name === ONBOARDING_STEPS.joinMesh)).toMatchObject({ outcome: 'skipped' });
  });

  it.each<[string, AttachedState, string | undefined, string, string]>([
    [
      'without a region',
      'READY',
      undefined,
      'invalid_argument',
      `region is required to onboard on-prem cluster projects/fleetpilot-sandbox/locations/global/memberships/${ONPREM}`,
    ],
    [
      'whose membership is not READY',
      'CREATING',
      'asia-east1',
      'failed_precondition',
      `membership projects/fleetpilot-sandbox/locations/global/memberships/${ONPREM} is CREATING; only a READY membership can be onboarded`,
    ],
  ])('refuses an attached cluster %s', async (_name, state, region, problem, message) => {
    const fleet = await demoFleet();
    await fleet.addAttached({ id: ONPREM, state });
    const error = await failure(onboardCluster(fleet.ctx, req(onprem(fleet), region === undefined ? {} : { region })));
    expect(error).toMatchObject({ problem, message: expect.stringContaining(message) as unknown });
    expect(fleet.clusterRecord(ONPREM)).toBeUndefined();
    expect(fleet.operations()).toEqual([]);
  });

  it('offboard from its record: out of routing, recorded removed, the membership kept', async () => {
    const fleet = await demoFleet({ mcs: 'auto' });
    const membership = await fleet.addAttached({ id: ONPREM });
    await onboardCluster(fleet.ctx, req(onprem(fleet), { region: 'asia-east1' }));
    const result = await offboardCluster(fleet.ctx, req(onprem(fleet)));
    expect(result.result).toBe('succeeded');
    expect(fleet.clusterRecord(ONPREM)?.phase).toBe('removed');
    expect(fleet.hub.memberships().find((m) => m.name === membership.name)).toEqual(membership);
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
  });

  it('refuses to offboard an attached cluster fleetpilot never onboarded, and one whose membership is unknown', async () => {
    const fleet = await demoFleet();
    await fleet.addAttached({ id: ONPREM });
    expect(await failure(offboardCluster(fleet.ctx, req(onprem(fleet))))).toMatchObject({
      problem: 'failed_precondition',
      message: `on-prem cluster ${ONPREM} was never onboarded by fleetpilot; there is nothing to offboard`,
    });
    expect(await failure(offboardCluster(fleet.ctx, req({ membership: membershipName(fleet, 'nobody') })))).toMatchObject({
      problem: 'not_found',
    });
    expect(fleet.operations()).toEqual([]);
  });
});

type AttachedState = 'READY' | 'CREATING';
