/**
 * In a member cluster: the application namespaces, the per-region (and per-cluster) Services
 * derived from the application's own Service, their ServiceExports, and topology labels on nodes
 * that lack them (attached and on-prem clusters).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from '../adapters/kube.ts';
import { listManaged, objectKey } from '../adapters/kube-managed.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { renderMeshNamespace } from '../mesh/index.ts';
import { MANAGED_BY_SELECTOR, MCS_API_VERSION, mapBounded, memberObjectUnchanged, renderMemberObjects } from '../routing/index.ts';

/** What was written in one member cluster. */
export interface MemberOutcome {
  changed: string[];
  unchanged: number;
  missingServices: string[];
  labelledNodes: string[];
}

const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Requests in flight at once in one member cluster. */
const CONCURRENCY = 8;

/** Applies every member object for `cluster` in `region`. */
export async function ensureMemberObjects(
  kube: KubeAdapter,
  config: FleetConfig,
  cluster: { name: string; location: string; region: string },
): Promise<MemberOutcome> {
  const outcome: MemberOutcome = { changed: [], unchanged: 0, missingServices: [], labelledNodes: [] };
  // Each namespace once, then the services a few at a time: a 50-service fleet is hundreds of
  // requests per cluster, and one after another they took 5–20 s a cluster in the scale bench.
  const namespaces = [...new Set(config.services.map((s) => s.namespace))];
  const applied = await mapBounded(namespaces, CONCURRENCY, (namespace) =>
    // One desired Namespace for every step: fleetpilot's field manager owns all its labels at once,
    // so applying it here must carry the mesh injection label that the mesh step sets.
    kube.apply(
      config.mesh.services.some((m) => m.namespace === namespace)
        ? renderMeshNamespace(namespace)
        : { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    ),
  );
  namespaces.forEach((namespace, i) => {
    if (applied[i]!.changed) outcome.changed.push(`Namespace ${namespace}`);
  });
  // Read once, compared here: every tick re-applies these objects in every cluster, and a GET and a
  // dry-run apply per object were hundreds of requests per cluster that nearly always changed nothing.
  const live = await readLive(kube, namespaces);
  const perService = await mapBounded(config.services, CONCURRENCY, async (service) => {
    const appRef = { apiVersion: 'v1', kind: 'Service', namespace: service.namespace, name: service.name };
    const appService = live.get(`Service ${objectKey(service.namespace, service.name)}`) ?? (await kube.get(appRef));
    // The application is not deployed here (yet): nothing to export; routing will not include it.
    if (!appService) return { missing: `${service.namespace}/${service.name}`, changed: [], unchanged: 0 };
    const objects = renderMemberObjects({
      service,
      appService,
      cluster: cluster.name,
      region: cluster.region,
      perClusterServices: config.onboarding.perClusterServices,
    });
    const result = { missing: undefined, changed: [] as string[], unchanged: 0 };
    // In order: a ServiceExport follows the Service it exports.
    for (const obj of objects) {
      // An object missing from the lists (one created by hand, without the label) is read alone.
      const known = live.get(describe(obj));
      const options = known ? { live: known, same: (l: KubernetesObject) => memberObjectUnchanged(l, obj) } : {};
      if ((await kube.apply(obj, options)).changed) result.changed.push(describe(obj));
      else result.unchanged++;
    }
    return result;
  });
  for (const r of perService) {
    if (r.missing) outcome.missingServices.push(r.missing);
    outcome.changed.push(...r.changed);
    outcome.unchanged += r.unchanged;
  }
  outcome.labelledNodes = await labelNodes(kube, cluster);
  return outcome;
}

/** The Services of the configured namespaces and fleetpilot's ServiceExports, by {@link describe}. */
async function readLive(kube: KubeAdapter, namespaces: string[]): Promise<Map<string, KubernetesObject>> {
  // List items carry no kind: each list's keys take the kind it asked for.
  const keyed = async (kind: string, listing: Promise<Map<string, KubernetesObject>>) =>
    [...(await listing)].map(([key, obj]) => [`${kind} ${key}`, obj] as const);
  const lists = await Promise.all([
    ...namespaces.map((namespace) => keyed('Service', listManaged(kube, 'v1', 'Service', undefined, namespace))),
    keyed('ServiceExport', listManaged(kube, MCS_API_VERSION, 'ServiceExport', MANAGED_BY_SELECTOR)),
  ]);
  return new Map(lists.flat());
}

async function labelNodes(kube: KubeAdapter, cluster: { location: string; region: string }): Promise<string[]> {
  const labelled: string[] = [];
  const zone = cluster.location === cluster.region ? undefined : cluster.location;
  for (const node of await kube.list('v1', 'Node')) {
    const labels = node.metadata?.labels ?? {};
    const missing: Record<string, string> = {};
    if (!labels[REGION_LABEL]) missing[REGION_LABEL] = cluster.region;
    if (zone && !labels[ZONE_LABEL]) missing[ZONE_LABEL] = zone;
    if (Object.keys(missing).length === 0) continue;
    // A merge patch adds only the missing labels and never overwrites ones a cloud provider set.
    await kube.mergePatch({ apiVersion: 'v1', kind: 'Node', name: node.metadata!.name! }, { metadata: { labels: missing } });
    labelled.push(node.metadata!.name!);
  }
  return labelled;
}

function describe(obj: KubernetesObject): string {
  return `${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
