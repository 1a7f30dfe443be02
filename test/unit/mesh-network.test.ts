/**
 * Mesh networks (mesh/network.ts): the pure judgement of a cluster's east-west gateway, and the
 * tick on the in-memory fleet labelling each mesh cluster's `istio-system` with its network and
 * exposing its services once its east-west gateway is there.
 */
import type { V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { parseFleetConfig, type FleetConfig } from '../../shared/config/fleet-config.ts';
import { MESH_STEPS, eastWestGateway, isMultiNetwork, networkOf, renderExposeServicesGateway } from '../../shared/mesh/index.ts';
import { eastWestGatewayService } from '../../sandbox/east-west-gateway.ts';
import { demoFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const gatewayService = (fields: { address?: string; network?: string }): V1Service => {
  const service = eastWestGatewayService(fields.network ?? '', fields.address);
  if (!fields.network) delete service.metadata!.labels!['topology.istio.io/network'];
  return service;
};

describe('eastWestGateway', () => {
  it.each([
    ['no Service', [], false, /no east-west gateway: no Service labelled istio=eastwestgateway in istio-system/],
    ['a Service without an address yet', [gatewayService({ network: 'net-a' })], false, /has no external address yet/],
    [
      'a Service of another network',
      [gatewayService({ address: '203.0.113.7', network: 'net-b' })],
      false,
      /labelled topology.istio.io\/network=net-b, not net-a/,
    ],
    ['a Service with no network label', [gatewayService({ address: '203.0.113.7' })], false, /=\(none\), not net-a/],
    ['an addressed Service of this network', [gatewayService({ address: '203.0.113.7', network: 'net-a' })], true, /203\.0\.113\.7/],
  ])('%s: usable = %s', (_case, services, ok, text) => {
    const judged = eastWestGateway(services, 'net-a');
    expect(judged.ok).toBe(ok);
    expect(JSON.stringify(judged)).toMatch(text);
  });
});

describe('networkOf and isMultiNetwork', () => {
  const config = (networks?: unknown): FleetConfig => {
    const parsed = parseFleetConfig({
      version: 1,
      fleet: { project: 'p', configCluster: { name: 'cfg', location: 'us-central1' } },
      mesh: { services: [{ name: 'store', namespace: 'store' }], ...(networks ? { networks } : {}) },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return parsed.config;
  };
  it.each([
    ['no networks configured', undefined, undefined, false],
    ['one network for all', { default: 'vpc' }, 'vpc', false],
    ['a listed cluster on the default network', { default: 'vpc', clusters: { 'mc-gw-osaka': 'vpc' } }, 'vpc', false],
    ['a listed cluster on its own network', { default: 'vpc', clusters: { 'mc-gw-osaka': 'osaka-net' } }, 'osaka-net', true],
  ])('%s', (_case, networks, osaka, multi) => {
    expect(networkOf(config(networks), 'mc-gw-osaka')).toBe(osaka);
    expect(isMultiNetwork(config(networks))).toBe(multi);
  });

  it('refuses a network name that is not a label value, and unknown keys', () => {
    const result = parseFleetConfig({
      version: 1,
      fleet: { project: 'p', configCluster: { name: 'cfg', location: 'us-central1' } },
      mesh: { networks: { default: 'my vpc', cluster: {} } },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(/mesh\.networks\.default: must be a network name[\s\S]*cluster/);
  });
});

let ticks = 0;
const tick = (fleet: MemoryFleet) =>
  tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `tick-${++ticks}`);
const istioSystem = (fleet: MemoryFleet, cluster: string) =>
  fleet.kube(cluster).get({ apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' });
const exposeGateway = (fleet: MemoryFleet, cluster: string) =>
  fleet
    .kube(cluster)
    .get({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespace: 'istio-system', name: 'cross-network-gateway' });

describe('the tick and mesh networks', () => {
  const withNetworks = (fleet: MemoryFleet) => {
    const config = fleet.config();
    fleet.setConfig({ ...config, mesh: { ...config.mesh, networks: { default: 'tokyo-net', clusters: { [OSAKA.name]: 'osaka-net' } } } });
  };

  it('labels each cluster’s istio-system with its network, names a missing east-west gateway, and exposes services once it is there', async () => {
    const fleet = await demoFleet();
    withNetworks(fleet);
    const first = await tick(fleet);
    expect((await istioSystem(fleet, TOKYO.name))?.metadata?.labels).toMatchObject({ 'topology.istio.io/network': 'tokyo-net' });
    expect((await istioSystem(fleet, OSAKA.name))?.metadata?.labels).toMatchObject({ 'topology.istio.io/network': 'osaka-net' });
    const osakaFirst = first.steps.find((s) => s.name === MESH_STEPS.networkOf(OSAKA.name));
    expect(osakaFirst?.outcome).toBe('skipped');
    expect(osakaFirst?.detail).toMatch(/network osaka-net; .*no east-west gateway.*; other networks cannot reach its services/);
    expect(await exposeGateway(fleet, OSAKA.name)).toBeNull();

    // The platform team installs Istio's east-west gateway; its load balancer gets an address.
    fleet.kube(OSAKA.name).put(gatewayService({ address: '203.0.113.7', network: 'osaka-net' }));
    const second = await tick(fleet);
    const osakaSecond = second.steps.find((s) => s.name === MESH_STEPS.networkOf(OSAKA.name));
    expect(osakaSecond?.outcome).toBe('done');
    expect(osakaSecond?.detail).toContain(
      'Gateway istio-system/cross-network-gateway (east-west istio-system/istio-eastwestgateway at 203.0.113.7)',
    );
    expect(((await exposeGateway(fleet, OSAKA.name)) as { spec?: unknown } | null)?.spec).toEqual(renderExposeServicesGateway().spec);

    // Level-based: nothing more to write.
    const third = await tick(fleet);
    expect(third.steps.find((s) => s.name === MESH_STEPS.networkOf(OSAKA.name))?.outcome).toBe('unchanged');
  });

  it('does nothing to networks when the configuration names none', async () => {
    const fleet = await demoFleet();
    const record = await tick(fleet);
    expect(record.steps.some((s) => s.name.startsWith('mesh network of'))).toBe(false);
    expect((await istioSystem(fleet, TOKYO.name))?.metadata?.labels?.['topology.istio.io/network']).toBeUndefined();
  });
});
