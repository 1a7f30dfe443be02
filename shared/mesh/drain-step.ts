/**
 * Mesh side of a drain: every onboarded cluster gets the DestinationRules rendered for the current
 * drains, ramps and partial drains, so no locality sends mesh traffic to a drained region and a
 * ramping region gets its percent of its own clients' traffic. Level-based: unchanged rules are
 * not written. It runs after the Gateway's routes are written (what failover time is measured on),
 * all clusters at once.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import { refOf } from '../adapters/kube-ref.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { destinationRuleUnchanged, renderDrainedDestinationRule, type DestinationRule } from './render.ts';
import { listManaged, objectKey } from '../adapters/kube-managed.ts';
import type { KubeAdapter } from '../adapters/kube.ts';
import { MANAGED_BY_SELECTOR, mapBounded, type DrainOverlay, type RoutingObservation } from '../routing/index.ts';
import { memberKubes } from '../adapters/member-kubes.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { Needs } from '../core/context.ts';
import { isRetryable } from '../core/errors.ts';
import { MESH_STEPS } from './steps.ts';

const DR_API = 'networking.istio.io/v1';

/** DestinationRules written at once, over every cluster. */
export const MESH_WRITE_CONCURRENCY = 16;

/**
 * Applies drain-aware DestinationRules in every serving cluster. `clusters` is the Container list
 * the render already read (so the clusters are not read again); without it each is read.
 */
export async function applyMeshDrains(
  deps: Needs<'container' | 'kubeFor'>,
  op: OperationRecorder,
  config: FleetConfig,
  observed: RoutingObservation,
  overlay: Pick<DrainOverlay, 'drained' | 'ramp'>,
  clusters?: readonly ClusterInfo[],
): Promise<void> {
  const { drained, ramp } = overlay;
  if (config.mesh.services.length === 0) return;
  const serving = observed.clusters.filter((c) => c.phase === 'serving');
  const regions = serving.map((c) => c.region);
  const statusNow = async (c: { name: string; location: string }) =>
    (await deps.container.getCluster(c.location, c.name))?.status ?? 'deleted';
  await op.step(
    MESH_STEPS.drainRules,
    async () => {
      const kubeOf = memberKubes(deps, config.fleet.project, clusters);
      // An attached cluster is in the mesh only with an address other clusters reach (mesh.apiServers);
      // its istiod reads these rules from it like any primary's.
      const writes = serving
        .filter((c) => c.kind !== 'attached' || (c.membership !== undefined && Object.hasOwn(config.mesh.apiServers, c.name)))
        .flatMap((cluster) =>
          config.mesh.services.map((svc) => ({ cluster, rule: renderDrainedDestinationRule(svc, regions, drained, ramp) })),
        );
      const left = new Map<string, string>();
      // Each cluster's rules in one list when it gets several (10 mesh services: 1 read, not 10); a rule missing from it is read alone.
      const listings = new Map<string, Promise<Map<string, DestinationRule>>>();
      const listed = (name: string, kube: KubeAdapter) => {
        let listing = listings.get(name);
        if (!listing) listings.set(name, (listing = listManaged<DestinationRule>(kube, DR_API, 'DestinationRule', MANAGED_BY_SELECTOR)));
        return listing;
      };
      const changed = await mapBounded(writes, MESH_WRITE_CONCURRENCY, async ({ cluster, rule }) => {
        try {
          const kube = await kubeOf(cluster);
          if (!kube) return [];
          const key = objectKey(rule.metadata?.namespace, rule.metadata?.name);
          const live =
            (config.mesh.services.length > 1 ? (await listed(cluster.name, kube)).get(key) : undefined) ?? (await kube.get(refOf(rule)));
          const result = await kube.apply<DestinationRule>(rule, {
            live: live as DestinationRule | null,
            same: (l) => destinationRuleUnchanged(l, rule),
          });
          return result.changed ? [`${cluster.name}:${rule.metadata?.namespace}/${rule.metadata?.name}`] : [];
        } catch (error) {
          // A cluster deleted since the render listed it: its API server is gone with it, and the
          // next render leaves it out. Any other GKE cluster that cannot be reached fails the step.
          // An attached cluster Connect Gateway cannot reach now is left out the same way; the tick retries.
          const status = !isRetryable(error) ? 'RUNNING' : cluster.kind === 'attached' ? 'not reached' : await statusNow(cluster);
          if (status === 'RUNNING') throw error;
          left.set(cluster.name, status);
          return [];
        }
      });
      return { changed: changed.flat(), left: [...left].map(([name, status]) => `${name} (${status})`) };
    },
    ({ changed, left }) => ({
      outcome: changed.length > 0 ? 'done' : 'unchanged',
      detail: [changed.join(', ') || 'already match', ...(left.length > 0 ? [`left out: ${left.join(', ')}`] : [])].join('; '),
    }),
  );
}
