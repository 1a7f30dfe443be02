import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import { fleetConfigJsonSchema, parseFleetConfig } from '../../shared/config/fleet-config.ts';

const example = readFileSync(new URL('../../examples/fleet.yaml', import.meta.url), 'utf8');
const withService = (service: Record<string, unknown>) => ({
  version: 1,
  fleet: { project: 'p', configCluster: { name: 'cfg', location: 'us-central1' } },
  services: [{ name: 'store', namespace: 'store', port: 8080, hostnames: ['store.example.com'], ...service }],
});

describe('fleet configuration', () => {
  it('accepts the classic example', () => {
    const config = parseFleetConfigYaml(example, 'examples/fleet.yaml');
    expect(config.services[0]).toMatchObject({ name: 'store', regionWeights: { 'asia-northeast1': 50, 'asia-northeast2': 50 } });
    expect(config.safety).toMatchObject({ minHealthyRegions: 1, holdDownSeconds: 8 });
  });

  it.each([
    ['all-zero weights', { defaultWeight: 0, regionWeights: { 'us-east1': 0 } }, /every weight is 0/],
    [
      'duplicate pinned paths',
      {
        pinnedPaths: [
          { path: '/a', cluster: 'c1' },
          { path: '/a', cluster: 'c2' },
        ],
      },
      /duplicate path \/a/,
    ],
    [
      'more than 15 pinned paths',
      { pinnedPaths: Array.from({ length: 16 }, (_, i) => ({ path: `/p${i}`, cluster: 'c1' })) },
      /exceed the 15/,
    ],
    [
      'more than 16 weighted regions',
      { regionWeights: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`us-east${i + 1}`, 1])) },
      /exceed the 16 backendRefs/,
    ],
    [
      'a pin naming both a cluster and a region',
      { pinnedPaths: [{ path: '/a', cluster: 'c1', region: 'us-east1' }] },
      /exactly one of cluster or region/,
    ],
  ])('rejects %s before anything is applied', (_name, service, problem) => {
    const result = parseFleetConfig(withService(service));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(problem);
  });

  const withMesh = (localityLb: Record<string, unknown>) => ({
    ...withService({}),
    mesh: { services: [{ name: 'store', namespace: 'store', localityLb }] },
  });
  const F1 = { from: 'asia-northeast1', to: 'asia-northeast2' };

  it.each([
    ['failover', { failover: [F1] }],
    ['failoverPriority', { failoverPriority: ['topology.kubernetes.io/region'] }],
    ['failover with a non-topology failoverPriority label', { failover: [F1], failoverPriority: ['env'] }],
    ['distribute', { distribute: [{ from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 80, 'asia-northeast2/*': 20 } }] }],
    ['failover from an on-prem region', { failover: [{ from: 'tokyo-onprem', to: 'asia-northeast1' }] }],
    ['local', { local: 'region' }],
  ])('accepts the locality mode %s as Istio does', (_name, localityLb) => {
    expect(parseFleetConfig(withMesh(localityLb)).ok).toBe(true);
  });

  it.each([
    [
      'distribute with failover',
      { failover: [F1], distribute: [{ from: '*', to: { '*': 100 } }] },
      /refuses distribute together with failover/,
    ],
    [
      'distribute with failoverPriority',
      { failoverPriority: ['env'], distribute: [{ from: '*', to: { '*': 100 } }] },
      /ignores failoverPriority/,
    ],
    [
      'failover with a topology label in failoverPriority',
      { failover: [F1], failoverPriority: ['topology.kubernetes.io/zone'] },
      /refuses failover together with the topology label topology.kubernetes.io\/zone/,
    ],
    ['failover to the same region', { failover: [{ from: 'asia-northeast1', to: 'asia-northeast1' }] }, /two different regions/],
    ['failover naming a locality', { failover: [{ from: 'asia-northeast1/a', to: 'asia-northeast2' }] }, /is not a region such as/],
    [
      'failover naming a zone',
      { failover: [{ from: 'asia-northeast1-a', to: 'asia-northeast2' }] },
      /is a zone: name its region \(asia-northeast1\)/,
    ],
    ['failover to a region without its number', { failover: [{ from: 'tokyo-onprem', to: 'asia-northeast' }] }, /without its number/],
    ['local with failover', { local: 'region', failover: [F1] }, /Istio does not combine with failover: choose one/],
    ['local with distribute', { local: 'region', distribute: [{ from: '*', to: { '*': 100 } }] }, /does not combine with distribute/],
    ['local for a cluster', { local: 'cluster' }, /local/],
    ['distribute weights not adding up to 100', { distribute: [{ from: '*', to: { 'a/*': 60, 'b/*': 30 } }] }, /add up to 100/],
    ['a distribute weight of 0', { distribute: [{ from: '*', to: { 'a/*': 100, 'b/*': 0 } }] }, /1 to 100/],
    ['a malformed locality', { distribute: [{ from: 'a/*/b', to: { 'a/*': 100 } }] }, /must be a locality/],
    ['no mode', {}, /name a mode/],
    ['an unknown key (a typo is not dropped)', { failOver: [F1] }, /failOver/],
  ])('refuses %s with the reason, before anything is applied', (_name, localityLb, problem) => {
    const result = parseFleetConfig(withMesh(localityLb));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(problem);
  });

  it('names the file and line of a refused locality mode', () => {
    const broken = example.replace(
      '      localityLb:\n        failover:',
      '      localityLb:\n        distribute: [{ from: "*", to: { "*": 100 } }]\n        failover:',
    );
    expect(broken).not.toBe(example);
    expect(() => parseFleetConfigYaml(broken, 'fleet.yaml')).toThrowError(
      /fleet\.yaml:\d+: mesh\.services\.0\.localityLb: Istio refuses distribute/,
    );
  });

  it('names the file, the line and the path of every problem', () => {
    const broken = example.replace('asia-northeast1: 50', 'asia-northeast1: fifty').replace('port: 8080', 'port: 0');
    expect(() => parseFleetConfigYaml(broken, 'fleet.yaml')).toThrowError(
      /fleet\.yaml:\d+: services\.0\.port: [\s\S]*fleet\.yaml:\d+: services\.0\.regionWeights\.asia-northeast1: /,
    );
  });

  it('exports a JSON Schema for editors', () => {
    const schema = fleetConfigJsonSchema() as { type: string; properties: Record<string, unknown>; required: string[] };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['version', 'fleet', 'onboarding', 'services', 'safety', 'mesh']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'fleet']));
    expect(parse(example)).toBeTruthy();
  });
});
