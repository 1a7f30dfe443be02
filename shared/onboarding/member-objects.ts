/**
 * In a member cluster: the application namespaces, the per-region (and per-cluster) Services
 * derived from the application's own Service, their ServiceExports, and topology labels on nodes
 * that lack them (attached and on-prem clusters).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from '../adapters/kube.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { renderMeshNamespace } from '../mesh/index.ts';
import { renderMemberObjects } from '../routing/index.ts';

/** What was written in one member cluster. */
export interface MemberOutcome {
  changed: string[];
  unchanged: number;
  missingServices: string[];
  labelledNodes: string[];
}

const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Applies every member object for `cluster` in `region`. */
export async function ensureMemberObjects(
  kube: KubeAdapter,
  config: FleetConfig,
  cluster: { name: string; location: string; region: string },
): Promise<MemberOutcome> {
  const outcome: MemberOutcome = { changed: [], unchanged: 0, missingServices: [], labelledNodes: [] };
  for (const service of config.services) {
    // One desired Namespace for every step: fleetpilot's field manager owns all its labels at once,
    // so applying it here must carry the mesh injection label that the mesh step sets.
    const meshNamespace = config.mesh.services.some((m) => m.namespace === service.namespace);
    const ns = await kube.apply(
      meshNamespace
        ? renderMeshNamespace(service.namespace)
        : { apiVersion: 'v1', kind: 'Namespace', metadata: { name: service.namespace } },
    );
    if (ns.changed) outcome.changed.push(`Namespace ${service.namespace}`);
    const appService = await kube.get({ apiVersion: 'v1', kind: 'Service', namespace: service.namespace, name: service.name });
    if (!appService) {
      // The application is not deployed here (yet): nothing to export; routing will not include it.
      outcome.missingServices.push(`${service.namespace}/${service.name}`);
      continue;
    }
    const objects = renderMemberObjects({
      service,
      appService,
      cluster: cluster.name,
      region: cluster.region,
      perClusterServices: config.onboarding.perClusterServices,
    });
    for (const obj of objects) {
      const result = await kube.apply(obj);
      if (result.changed) outcome.changed.push(describe(obj));
      else outcome.unchanged++;
    }
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
