/**
 * Mesh side of a drain: every onboarded cluster gets the DestinationRules rendered for the current
 * drains, so no locality sends mesh traffic to a drained region. Level-based: unchanged rules are
 * not written.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import { renderDrainedDestinationRule } from './render.ts';
import type { RoutingObservation } from '../routing/index.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { Needs } from '../core/context.ts';
import { MESH_STEPS } from './steps.ts';

/** Applies drain-aware DestinationRules in every serving cluster. */
export async function applyMeshDrains(
  deps: Needs<'container' | 'kubeFor'>,
  op: OperationRecorder,
  config: FleetConfig,
  observed: RoutingObservation,
  drained: ReadonlySet<string>,
): Promise<void> {
  if (config.mesh.services.length === 0) return;
  const serving = observed.clusters.filter((c) => c.phase === 'serving');
  const regions = serving.map((c) => c.region);
  await op.step(
    MESH_STEPS.drainRules,
    async () => {
      const changed: string[] = [];
      // Attached clusters serve routes but are not in the mesh (and not in the Container API).
      for (const cluster of serving.filter((c) => c.kind !== 'attached')) {
        const info = await deps.container.getCluster(cluster.location, cluster.name);
        if (!info || info.status !== 'RUNNING') continue;
        const kube = await deps.kubeFor(info);
        for (const svc of config.mesh.services) {
          if ((await kube.apply(renderDrainedDestinationRule(svc, regions, drained))).changed)
            changed.push(`${cluster.name}:${svc.namespace}/${svc.name}`);
        }
      }
      return changed;
    },
    (changed) => ({ outcome: changed.length > 0 ? 'done' : 'unchanged', detail: changed.join(', ') || 'already match' }),
  );
}
