/**
 * Mesh networks (Istio multi-network): each mesh cluster's `istio-system` carries its network's
 * label, which is how istiod learns the network of the cluster's endpoints; and when the fleet
 * spans more than one network, each cluster exposes its services to the other networks through its
 * east-west gateway with the `cross-network-gateway` Gateway of Istio's multi-network procedure.
 * fleetpilot does not install Istio or the gateway: it finds the gateway's Service and says what is
 * missing.
 */
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import type { KubeAdapter } from '../adapters/kube.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import type { OperationRecorder } from '../state/operations.ts';
import { ISTIO_NAMESPACE, MANAGED_BY } from './render.ts';

/** The label istiod reads for the network of a cluster's endpoints (and of a gateway Service). */
export const NETWORK_LABEL = 'topology.istio.io/network';
/** How Istio's east-west gateway (samples/multicluster/gen-eastwest-gateway.sh) labels its Service and pods. */
export const EAST_WEST_SELECTOR = { istio: 'eastwestgateway' } as const;
/** {@link EAST_WEST_SELECTOR} as a label selector. */
export const EAST_WEST_LABEL_SELECTOR = 'istio=eastwestgateway';
/** The Gateway that exposes a cluster's services to other networks. */
export const EXPOSE_SERVICES_GATEWAY = 'cross-network-gateway';

/** The network of a mesh cluster, or undefined when the configuration does not manage networks. */
export function networkOf(config: FleetConfig, cluster: string): string | undefined {
  const networks = config.mesh.networks;
  if (!networks) return undefined;
  return Object.hasOwn(networks.clusters, cluster) ? networks.clusters[cluster] : networks.default;
}

/** True when the configuration puts mesh clusters on more than one network. */
export function isMultiNetwork(config: FleetConfig): boolean {
  const networks = config.mesh.networks;
  return networks !== undefined && Object.values(networks.clusters).some((n) => n !== networks.default);
}

/** The Gateway of Istio's multi-network procedure (expose-services.yaml), in `istio-system`. */
export function renderExposeServicesGateway(): KubernetesObject & { spec: Record<string, unknown> } {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: EXPOSE_SERVICES_GATEWAY, namespace: ISTIO_NAMESPACE, labels: { ...MANAGED_BY } },
    spec: {
      selector: { ...EAST_WEST_SELECTOR },
      servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }],
    },
  };
}

/** What the east-west gateway Services of a cluster say: its address, or what is missing. */
export type EastWestGateway = { ok: true; service: string; address: string } | { ok: false; missing: string };

/** Pure: judges the cluster's Services labelled as east-west gateways against its network. */
export function eastWestGateway(services: readonly V1Service[], network: string): EastWestGateway {
  if (services.length === 0)
    return {
      ok: false,
      missing: `no east-west gateway: no Service labelled ${EAST_WEST_LABEL_SELECTOR} in ${ISTIO_NAMESPACE} (install one, e.g. Istio's samples/multicluster/gen-eastwest-gateway.sh --network ${network})`,
    };
  const described = services.map((s) => {
    const name = `${ISTIO_NAMESPACE}/${s.metadata?.name ?? '?'}`;
    const ingress = s.status?.loadBalancer?.ingress?.[0];
    const address = ingress?.ip ?? ingress?.hostname;
    const label = s.metadata?.labels?.[NETWORK_LABEL];
    return { name, address, label };
  });
  const usable = described.find((d) => d.address && d.label === network);
  if (usable) return { ok: true, service: usable.name, address: usable.address! };
  const first = described[0]!;
  if (!first.address) return { ok: false, missing: `east-west gateway ${first.name} has no external address yet` };
  return {
    ok: false,
    missing: `east-west gateway ${first.name} is labelled ${NETWORK_LABEL}=${first.label ?? '(none)'}, not ${network}: istiod does not use it for this network`,
  };
}

/** What {@link ensureMeshNetwork} did in one cluster. */
export interface MeshNetworkOutcome {
  network: string;
  changed: string[];
  /** What keeps the cluster's services unreachable from other networks; empty when nothing does. */
  missing: string[];
}

/**
 * Labels `istio-system` with `network` (a merge patch of that label alone, written only when it
 * differs) and, when the fleet spans several networks, applies the expose-services Gateway once the
 * east-west gateway is there.
 */
export async function ensureMeshNetwork(kube: KubeAdapter, config: FleetConfig, network: string): Promise<MeshNetworkOutcome> {
  const outcome: MeshNetworkOutcome = { network, changed: [], missing: [] };
  const ns = { apiVersion: 'v1', kind: 'Namespace', name: ISTIO_NAMESPACE };
  const live = await kube.get(ns);
  if (!live) await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } });
  if (live?.metadata?.labels?.[NETWORK_LABEL] !== network) {
    // A merge patch, not an apply: fleetpilot's applies of this namespace (the reader objects) would drop the label.
    await kube.mergePatch(ns, { metadata: { labels: { [NETWORK_LABEL]: network } } });
    outcome.changed.push(`Namespace ${ISTIO_NAMESPACE} ${NETWORK_LABEL}=${network}`);
  }
  if (!isMultiNetwork(config)) return outcome;
  const gateway = eastWestGateway(await kube.list<V1Service>('v1', 'Service', ISTIO_NAMESPACE, EAST_WEST_LABEL_SELECTOR), network);
  if (!gateway.ok) {
    outcome.missing.push(gateway.missing);
    return outcome;
  }
  if ((await kube.apply(renderExposeServicesGateway())).changed)
    outcome.changed.push(`Gateway ${ISTIO_NAMESPACE}/${EXPOSE_SERVICES_GATEWAY} (east-west ${gateway.service} at ${gateway.address})`);
  return outcome;
}

/**
 * The mesh-network step of one cluster, recorded as `stepName`; nothing (and no step) when the
 * configuration has no mesh service or manages no networks.
 */
export async function meshNetworkStep(
  op: OperationRecorder,
  stepName: string,
  kube: KubeAdapter,
  config: FleetConfig,
  cluster: string,
): Promise<void> {
  const network = networkOf(config, cluster);
  if (config.mesh.services.length === 0 || network === undefined) return;
  await op.step(stepName, () => ensureMeshNetwork(kube, config, network), describeMeshNetwork);
}

/** The step's record of an outcome. */
export function describeMeshNetwork(o: MeshNetworkOutcome): { outcome: 'done' | 'unchanged' | 'skipped'; detail: string } {
  const parts = [`network ${o.network}`, ...o.changed, ...o.missing];
  if (o.missing.length > 0) return { outcome: 'skipped', detail: `${parts.join('; ')}; other networks cannot reach its services` };
  return { outcome: o.changed.length > 0 ? 'done' : 'unchanged', detail: parts.join('; ') };
}
