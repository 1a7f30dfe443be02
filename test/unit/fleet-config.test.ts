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
