/** Pure logic around the Hub adapter (membership judgement, feature handling) with a small in-memory fake. */
import { describe, expect, it } from 'vitest';
import type { ClusterInfo } from '../../shared/adapters/container.ts';
import type { GkeHubAdapter } from '../../shared/adapters/gkehub.ts';
import { gkeResourceLink, workloadIdentityIssuer, type Feature, type Membership } from '../../shared/adapters/gkehub-types.ts';
import { TerminalError } from '../../shared/core/errors.ts';
import { ensureFleetFeatures } from '../../shared/onboarding/features.ts';
import { ensureMembership } from '../../shared/onboarding/membership.ts';
import { parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import { configMembershipName, resolveConfigMembership } from '../../shared/onboarding/onboard.ts';
import { EXAMPLE_CONFIG } from '../support/memory-fleet.ts';

function fakeHub(
  memberships: Membership[] = [],
  features: Feature[] = [],
): GkeHubAdapter & { memberships: Map<string, Membership>; features: Map<string, Feature> } {
  const ms = new Map(memberships.map((m) => [m.name.split('/').pop()!, m]));
  const fs = new Map(features.map((f) => [f.name.split('/').pop()!, f]));
  const ok = (name: string, spec: Feature['spec']): Feature => ({
    name,
    spec,
    resourceState: { state: 'ACTIVE' },
    state: { state: { code: 'OK' } },
  });
  return {
    memberships: ms,
    features: fs,
    getMembership: async (_l, id) => ms.get(id) ?? null,
    listMemberships: async () => [...ms.values()],
    createMembership: async (l, id, body) => {
      if (ms.has(id)) throw Object.assign(new Error('ALREADY_EXISTS'), { code: 409 });
      const m = { ...body, name: `projects/p/locations/${l}/memberships/${id}`, state: { code: 'READY' as const } };
      ms.set(id, m);
      return m;
    },
    patchMembership: async (name, patch) => {
      const id = name.split('/').pop()!;
      const m = { ...ms.get(id)!, ...patch };
      ms.set(id, m);
      return m;
    },
    deleteMembership: async (name) => ms.delete(name.split('/').pop()!),
    getFeature: async (f) => fs.get(f) ?? null,
    createFeature: async (f, spec) => {
      fs.set(f, ok(f, spec));
      return fs.get(f)!;
    },
    patchFeature: async (f, spec) => {
      fs.set(f, ok(f, spec));
      return fs.get(f)!;
    },
  };
}

const cluster: ClusterInfo = {
  projectId: 'acme',
  location: 'asia-northeast1-b',
  name: 'tokyo',
  status: 'RUNNING',
  endpoint: '10.0.0.1',
  caCertificatePem: '',
  resourceLabels: {},
  privateEndpointOnly: false,
  selfLink: '',
};
const link = gkeResourceLink('acme', 'asia-northeast1-b', 'tokyo');
const issuer = workloadIdentityIssuer('acme', 'asia-northeast1-b', 'tokyo');

describe('ensureMembership', () => {
  it('creates a membership with the Workload Identity issuer', async () => {
    const hub = fakeHub();
    const outcome = await ensureMembership(hub, cluster, 'global');
    expect(outcome.action).toBe('created');
    expect(hub.memberships.get('tokyo')).toMatchObject({ endpoint: { gkeCluster: { resourceLink: link } }, authority: { issuer } });
  });

  it('accepts an existing membership of this cluster and fixes a missing issuer', async () => {
    const hub = fakeHub([
      {
        name: 'projects/p/locations/global/memberships/tokyo',
        endpoint: { gkeCluster: { resourceLink: link.replace('/locations/', '/zones/') } },
      },
    ]);
    expect((await ensureMembership(hub, cluster, 'global')).action).toBe('issuer-fixed');
    expect(hub.memberships.get('tokyo')?.authority?.issuer).toBe(issuer);
    expect((await ensureMembership(hub, cluster, 'global')).action).toBe('existing');
  });

  it('refuses, permanently, a membership that belongs to another cluster', async () => {
    const hub = fakeHub([
      {
        name: 'projects/p/locations/global/memberships/tokyo',
        endpoint: { gkeCluster: { resourceLink: gkeResourceLink('other', 'us-east1', 'tokyo') } },
      },
    ]);
    const failure = await ensureMembership(hub, cluster, 'global').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TerminalError);
    expect((failure as Error).message).toMatch(/already exists for another cluster.*refusing to touch it/);
  });

  it('adopts a membership registered by hand in the cluster region (gcloud default) instead of adding a second one', async () => {
    const byHand = {
      name: 'projects/p/locations/asia-northeast1/memberships/mc-gw-tokyo',
      endpoint: { gkeCluster: { resourceLink: link } },
    };
    const hub = fakeHub([byHand]);
    expect((await ensureMembership(hub, cluster, 'global')).action).toBe('issuer-fixed');
    const again = await ensureMembership(hub, cluster, 'global');
    expect(again.action).toBe('adopted');
    expect(again.membership.name).toBe(byHand.name);
    expect([...hub.memberships.keys()]).toEqual(['mc-gw-tokyo']);
  });

  it('uses the membership of a cluster that registered itself', async () => {
    const own = { name: 'projects/p/locations/global/memberships/self-tokyo', endpoint: { gkeCluster: { resourceLink: link } } };
    const hub = fakeHub([own]);
    const outcome = await ensureMembership(
      hub,
      { ...cluster, fleetMembership: '//gkehub.googleapis.com/projects/1/locations/global/memberships/self-tokyo' },
      'global',
    );
    expect(outcome).toEqual({ membership: own, action: 'self-registered' });
    expect(hub.memberships.has('tokyo')).toBe(false);
  });
});

describe('ensureFleetFeatures', () => {
  const clock = { now: () => new Date() };
  const wanted = 'projects/acme/locations/global/memberships/cfg';

  it('creates both features, with the config membership', async () => {
    const hub = fakeHub();
    expect(await ensureFleetFeatures({ hub, clock }, wanted, 1_000)).toEqual({
      multiclusterservicediscovery: 'created',
      multiclusteringress: 'created',
      warnings: [],
    });
    expect(hub.features.get('multiclusteringress')?.spec).toEqual({ multiclusteringress: { configMembership: wanted } });
  });

  it('never changes an existing config membership, and reports the mismatch', async () => {
    const existing: Feature = {
      name: 'multiclusteringress',
      spec: { multiclusteringress: { configMembership: 'projects/123/locations/global/memberships/legacy' } },
      state: { state: { code: 'OK' } },
    };
    const hub = fakeHub([], [existing, { name: 'multiclusterservicediscovery', state: { state: { code: 'OK' } } }]);
    const outcome = await ensureFleetFeatures({ hub, clock }, wanted, 1_000);
    expect(outcome.multiclusteringress).toBe('mismatch');
    expect(outcome.warnings[0]).toMatch(/uses config membership .*legacy, not .*cfg; fleetpilot never changes it/);
    expect(hub.features.get('multiclusteringress')).toBe(existing);
  });

  it('accepts the same config membership written with the project number', async () => {
    const hub = fakeHub(
      [],
      [
        {
          name: 'multiclusteringress',
          spec: { multiclusteringress: { configMembership: 'projects/123/locations/global/memberships/cfg' } },
          state: { state: { code: 'OK' } },
        },
        { name: 'multiclusterservicediscovery', state: { state: { code: 'OK' } } },
      ],
    );
    expect((await ensureFleetFeatures({ hub, clock }, wanted, 1_000)).multiclusteringress).toBe('ok');
  });

  it('treats a feature another onboarding created first (409 ALREADY_EXISTS) as present, and still checks its membership', async () => {
    const hub = fakeHub();
    // Both onboardings read "absent"; the other one's create lands first, ours gets the conflict.
    const create = hub.createFeature.bind(hub);
    hub.createFeature = async (f, spec) => {
      await create(
        f,
        f === 'multiclusteringress'
          ? { multiclusteringress: { configMembership: 'projects/acme/locations/global/memberships/other' } }
          : spec,
      );
      throw Object.assign(new Error('ALREADY_EXISTS'), { code: 409 });
    };
    const outcome = await ensureFleetFeatures({ hub, clock }, wanted, 1_000);
    expect(outcome).toMatchObject({ multiclusterservicediscovery: 'ok', multiclusteringress: 'mismatch' });
  });

  it('gives up with a retryable error when a feature never becomes usable', async () => {
    const hub = fakeHub(
      [],
      [
        { name: 'multiclusteringress', spec: {}, state: { state: { code: 'ERROR' } } },
        { name: 'multiclusterservicediscovery', state: { state: { code: 'OK' } } },
      ],
    );
    await expect(ensureFleetFeatures({ hub, clock, sleep: async () => undefined }, wanted, 50)).rejects.toThrow(
      /fleet features to become usable/,
    );
  });
});

describe('resolveConfigMembership', () => {
  const config = parseFleetConfigYaml(EXAMPLE_CONFIG, 'fleet.yaml');
  const { project } = config.fleet;
  const { location, name } = config.fleet.configCluster;
  const configLink = gkeResourceLink(project, location, name);

  it.each<[string, Membership[], string]>([
    [
      'a config cluster registered by hand in its region',
      [
        {
          name: `projects/${project}/locations/asia-northeast1/memberships/${name}`,
          endpoint: { gkeCluster: { resourceLink: configLink } },
        },
      ],
      `projects/${project}/locations/asia-northeast1/memberships/${name}`,
    ],
    ['a config cluster with no membership yet', [], configMembershipName(config)],
    [
      'a same-named membership of another cluster',
      [
        {
          name: `projects/${project}/locations/us-east1/memberships/${name}`,
          endpoint: { gkeCluster: { resourceLink: gkeResourceLink('other', 'us-east1-b', name) } },
        },
      ],
      configMembershipName(config),
    ],
  ])('finds %s', async (_what, memberships, expected) => {
    expect(await resolveConfigMembership(fakeHub(memberships), config)).toBe(expected);
  });

  it('keeps the membership the configuration names', async () => {
    const named = { ...config, fleet: { ...config.fleet, configCluster: { ...config.fleet.configCluster, membership: 'cfg' } } };
    const hub = fakeHub([
      { name: `projects/${project}/locations/asia-northeast1/memberships/${name}`, endpoint: { gkeCluster: { resourceLink: configLink } } },
    ]);
    expect(await resolveConfigMembership(hub, named)).toBe(`projects/${project}/locations/global/memberships/cfg`);
  });
});
