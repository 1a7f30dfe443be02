import { describe, expect, it } from 'vitest';
import { ClusterBody } from '../../services/api/schemas.ts';
import type { Membership } from '../../shared/adapters/gkehub-types.ts';
import { fleetConfigSchema } from '../../shared/config/fleet-config.ts';
import { RequestError } from '../../shared/core/errors.ts';
import { attachedCluster, attachedClusterOf } from '../../shared/onboarding/attached.ts';
import { attachedClusterInfo } from '../../shared/adapters/attached-cluster-info.ts';
import type { FleetContext } from '../../shared/core/context.ts';
import { routableClusters } from '../../shared/routing/apply-routes.ts';
import { attachedOffboardTarget, attachedOnboardTarget } from '../../shared/onboarding/attached-ops.ts';
import { recordView } from '../../shared/ops/fleet-view.ts';
import { writeClusterRecord, type ClusterRecord } from '../../shared/state/cluster-records.ts';
import { memoryStore } from '../support/memory-store.ts';

const PROJECT = 'acme-prod';
const MEMBERSHIP = `projects/${PROJECT}/locations/global/memberships/onprem-1`;
const config = (onboarding: Record<string, unknown> = {}, mesh = true) =>
  fleetConfigSchema.parse({
    version: 1,
    fleet: { project: PROJECT, configCluster: { name: 'cfg', location: 'us-central1' } },
    onboarding,
    services: [{ name: 'store', namespace: 'store', port: 8080, hostnames: ['store.example.com'] }],
    ...(mesh ? { mesh: { services: [{ name: 'store', namespace: 'store' }] } } : {}),
  });
const record = (over: Partial<ClusterRecord>): ClusterRecord => ({
  projectId: PROJECT,
  location: 'asia-northeast1-b',
  name: 'c',
  region: 'asia-northeast1',
  phase: 'onboarded',
  updatedAt: '2026-01-01T00:00:00Z',
  ...over,
});
const attached = (over: Partial<ClusterRecord> = {}) =>
  record({ location: 'global', name: 'onprem-1', region: 'asia-east1', kind: 'attached', membership: MEMBERSHIP, ...over });
const onprem = (state: NonNullable<Membership['state']>['code'] = 'READY'): Membership => ({
  name: MEMBERSHIP,
  state: { code: state },
  endpoint: { onPremCluster: { resourceLink: '//gkeonprem.googleapis.com/x' } },
});
const noDeps = {} as FleetContext;

const issue = (body: unknown) => {
  const parsed = ClusterBody.safeParse(body);
  return parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('attached clusters', () => {
  it('are routable by phase alone, in the region they were onboarded for, while GKE clusters need the Container list', () => {
    const records = [
      attached(),
      attached({ name: 'edge-2', region: 'europe-west4', phase: 'leaving' }),
      attached({ name: 'edge-3', phase: 'removed' }),
      record({ name: 'gke-running' }),
      record({ name: 'gke-gone' }),
      record({ name: 'gke-stopping', location: 'asia-northeast2-b', region: 'asia-northeast2' }),
    ];
    const status = new Map([
      [`${PROJECT}:asia-northeast1-b:gke-running`, 'RUNNING'],
      [`${PROJECT}:asia-northeast2-b:gke-stopping`, 'STOPPING'],
    ]);
    expect(routableClusters(records, status, config())).toEqual([
      { name: 'onprem-1', location: 'global', region: 'asia-east1', phase: 'serving', kind: 'attached', membership: MEMBERSHIP },
      { name: 'edge-2', location: 'global', region: 'europe-west4', phase: 'leaving', kind: 'attached', membership: MEMBERSHIP },
      { name: 'gke-running', location: 'asia-northeast1-b', region: 'asia-northeast1', phase: 'serving' },
      { name: 'gke-stopping', location: 'asia-northeast2-b', region: 'asia-northeast2', phase: 'leaving' },
    ]);
    expect(routableClusters([attached({ projectId: 'elsewhere' })], new Map(), config())).toEqual([]);
  });

  it('show their membership state as status in the fleet view, and their kind', () => {
    expect(recordView(attached(), null, 'READY')).toMatchObject({
      kind: 'attached',
      status: 'READY',
      membershipState: 'READY',
      region: 'asia-east1',
    });
    expect(recordView(attached({ phase: 'removed' }), null, null)).toMatchObject({ kind: 'attached', status: null });
    expect(recordView(record({ membership: 'm' }), 'RUNNING', 'READY')).toMatchObject({
      kind: 'gke',
      status: 'RUNNING',
      membershipState: 'READY',
    });
  });

  it('are keyed by fleet project, membership location and id, and reached only through Connect Gateway', () => {
    const cluster = attachedCluster(PROJECT, MEMBERSHIP, 'asia-east1');
    expect(cluster).toEqual({ projectId: PROJECT, location: 'global', name: 'onprem-1', region: 'asia-east1', membership: MEMBERSHIP });
    expect(attachedClusterInfo(cluster)).toMatchObject({
      name: 'onprem-1',
      privateEndpointOnly: true,
      endpoint: '',
      fleetMembership: MEMBERSHIP,
    });
    expect(attachedClusterOf(attached())).toEqual(cluster);
    expect(attachedClusterOf(record({}))).toBeUndefined();
  });

  it.each([
    ['a membership with a region', { membership: MEMBERSHIP, region: 'asia-east1' }, 'ok'],
    ['a membership without one (a GKE membership)', { membership: MEMBERSHIP }, 'ok'],
    [
      'a region with location and name',
      { location: 'asia-east1-a', name: 'c1', region: 'asia-east1' },
      'region: region is given only with membership (an attached or on-prem cluster)',
    ],
    ['an on-prem region name', { membership: MEMBERSHIP, region: 'tokyo-onprem' }, 'ok'],
    [
      'a zone as region',
      { membership: MEMBERSHIP, region: 'asia-east1-a' },
      'region: "asia-east1-a" is a zone: name its region (asia-east1)',
    ],
    [
      'a single word as region',
      { membership: MEMBERSHIP, region: 'onprem' },
      expect.stringMatching(/^region: "onprem" is not a region such as asia-northeast1, or an on-prem region name such as tokyo-onprem/),
    ],
  ])('the API body accepts or names the problem with %s', (_name, body, expected) => {
    expect(issue(body)).toEqual(expected);
  });

  it('need a region, a READY membership and an allowed location to be onboarded; the plan skips the mesh', () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof RequestError ? `${error.problem}: ${error.message}` : String(error);
      }
      return 'accepted';
    };
    expect(refusal(() => attachedOnboardTarget(noDeps, config(), onprem(), undefined))).toMatch(
      /^invalid_argument: region is required to onboard on-prem cluster/,
    );
    expect(refusal(() => attachedOnboardTarget(noDeps, config(), onprem('CREATING'), 'asia-east1'))).toMatch(
      /^failed_precondition: membership .* is CREATING/,
    );
    expect(refusal(() => attachedOnboardTarget(noDeps, config({ allowedLocations: ['europe-'] }), onprem(), 'asia-east1'))).toBe(
      'failed_precondition: on-prem cluster onprem-1 cannot be onboarded: location asia-east1 is not allowed (allowed: europe-)',
    );
    const target = attachedOnboardTarget(noDeps, config(), onprem(), 'asia-east1');
    expect(target).toMatchObject({ name: 'onprem-1', subject: `${PROJECT}/global/onprem-1`, region: 'asia-east1' });
    expect(target.plan).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^use existing membership .* as it is$/),
        expect.stringMatching(/^mesh: remote secrets need .*give its address in mesh.apiServers/),
        'route asia-east1 once its ServiceImports exist on the config cluster',
      ]),
    );
    expect(attachedOnboardTarget(noDeps, config({}, false), onprem(), 'asia-east1').plan.some((line) => line.includes('mesh'))).toBe(false);
  });

  it('are offboarded from their record, even once the membership is gone, and never when fleetpilot did not onboard them', async () => {
    const store = memoryStore();
    const deps = { store } as unknown as FleetContext;
    await expect(attachedOffboardTarget(deps, config(), MEMBERSHIP, onprem())).rejects.toMatchObject({
      problem: 'failed_precondition',
      message: 'on-prem cluster onprem-1 was never onboarded by fleetpilot; there is nothing to offboard',
    });
    await expect(attachedOffboardTarget(deps, config(), MEMBERSHIP, null)).rejects.toMatchObject({ problem: 'not_found' });
    await writeClusterRecord(store, attached());
    const target = await attachedOffboardTarget(deps, config(), MEMBERSHIP, null);
    expect(target).toMatchObject({ name: 'onprem-1', region: 'asia-east1', subject: `${PROJECT}/global/onprem-1` });
    expect(target.plan).toContain(`keep its fleet membership ${MEMBERSHIP}: its owner registered it`);
  });
});
