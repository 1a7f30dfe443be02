/**
 * In a member cluster: the application namespaces, the per-region (and per-cluster) Services
 * derived from the application's own Service, their ServiceExports, and topology labels on nodes
 * that lack them (attached and on-prem clusters).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from '../adapters/kube.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { renderMeshNamespace } from '../mesh/index.ts';
import { mapBounded, renderMemberObjects } from '../routing/index.ts';

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
  const perService = await mapBounded(config.services, CONCURRENCY, async (service) => {
    const appService = await kube.get({ apiVersion: 'v1', kind: 'Service', namespace: service.namespace, name: service.name });
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
      if ((await kube.apply(obj)).changed) result.changed.push(describe(obj));
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
