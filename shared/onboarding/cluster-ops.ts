/**
 * Onboarding and offboarding on demand (admin). The same steps as the lifecycle flow, under the
 * same per-cluster lease; the request selects the cluster, so the label selector of automatic
 * onboarding does not apply, but the allowed projects and locations do. A cluster may be named
 * by its location and name or by an existing fleet membership: one that points at a GKE cluster,
 * or one of an attached or on-prem cluster (reached through Connect Gateway, counted in the region
 * the request names). Offboarding is refused when it would leave a service with no serving region.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import { membershipKind, type Membership } from '../adapters/gkehub-types.ts';
import { RequestError } from '../core/errors.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { runOperation, type RunnerContext } from '../core/run-operation.ts';
import { offboard } from './offboard.ts';
import { onboard, type OnboardContext } from './onboard.ts';
import { evaluatePolicy } from './policy.ts';
import { regionOf, type RoutingObservation } from '../routing/index.ts';
import { routedServices } from '../routing/index.ts';
import { attachedOffboardTarget, attachedOnboardTarget, type ClusterTarget } from './attached-ops.ts';
import type { ManualResult } from '../core/manual-result.ts';
import { readSnapshot } from '../routing/index.ts';

/** Which cluster: by location and name, or by a membership's full name. */
export type ClusterSelector = { location: string; name: string } | { membership: string };

/** An on-demand onboarding or offboarding. */
export interface ClusterRequest {
  cluster: ClusterSelector;
  /** Where an attached cluster's traffic is counted; required to onboard one, refused otherwise. */
  region?: string;
  principal: string;
  dryRun: boolean;
  source: string;
}

/** What on-demand onboarding and offboarding need. */
export type ClusterOpsContext = OnboardContext & RunnerContext;

type Resolved = { kind: 'gke'; cluster: ClusterInfo } | { kind: 'attached'; name: string; membership: Membership | null };

/** Onboards a running GKE cluster, the GKE cluster an existing membership names, or an attached cluster's membership. */
export async function onboardCluster(deps: ClusterOpsContext, request: ClusterRequest): Promise<ManualResult> {
  const config = await deps.config();
  const resolved = await resolveCluster(deps, config, request.cluster);
  if (resolved.kind === 'attached') {
    if (!resolved.membership) throw new RequestError('not_found', `membership ${resolved.name} does not exist`);
    return runTarget(deps, request, 'manual-onboard', 'onboard', attachedOnboardTarget(deps, config, resolved.membership, request.region));
  }
  const cluster = resolved.cluster;
  if (request.region !== undefined) {
    throw new RequestError(
      'invalid_argument',
      `region is only for attached and on-prem clusters; ${cluster.name} is a GKE cluster in ${regionOf(cluster.location)}`,
    );
  }
  if (cluster.status !== 'RUNNING' && cluster.status !== 'RECONCILING')
    throw new RequestError('failed_precondition', `cluster ${cluster.name} is ${cluster.status}; only a running cluster can be onboarded`);
  const decision = evaluatePolicy(cluster, { ...config, onboarding: { ...config.onboarding, matchLabels: {} } });
  if (!decision.eligible) throw new RequestError('failed_precondition', `cluster ${cluster.name} cannot be onboarded: ${decision.reason}`);
  return runTarget(deps, request, 'manual-onboard', 'onboard', {
    name: cluster.name,
    subject: `${cluster.projectId}/${cluster.location}/${cluster.name}`,
    region: regionOf(cluster.location),
    plan: [
      `register ${cluster.name} in the fleet (${cluster.fleetMembership ? `existing membership ${cluster.fleetMembership}` : `membership ${cluster.name}`}) with Workload Identity`,
      'enable fleet features multiclusterservicediscovery and multiclusteringress',
      `apply namespaces, Services and ServiceExports for ${config.services.map((s) => s.name).join(', ')} in ${cluster.name}; label nodes with topology`,
      ...(config.mesh.services.length > 0 ? ['join the mesh: injection labels, DestinationRules, remote secrets'] : []),
      `route ${regionOf(cluster.location)} once its ServiceImports exist on the config cluster`,
    ],
    run: (op) => onboard(deps, op, config, cluster),
  });
}

/** Takes a cluster out of routing; a GKE cluster also out of the fleet (membership, remote secrets). */
export async function offboardCluster(deps: ClusterOpsContext, request: ClusterRequest): Promise<ManualResult> {
  if (request.region !== undefined)
    throw new RequestError(
      'invalid_argument',
      'region is only given to onboard an attached cluster; offboarding uses the region it was onboarded for',
    );
  const snapshot = await readSnapshot(deps);
  const resolved = await resolveCluster(deps, snapshot.config, request.cluster);
  const target =
    resolved.kind === 'attached'
      ? await attachedOffboardTarget(deps, snapshot.config, resolved.name, resolved.membership)
      : gkeOffboardTarget(deps, snapshot.config, resolved.cluster);
  const without: RoutingObservation = { ...snapshot.observed, clusters: snapshot.observed.clusters.filter((c) => c.name !== target.name) };
  const before = routedServices(snapshot.config, snapshot.observed);
  const orphaned = routedServices(snapshot.config, without)
    .filter((s, i) => s.regions.length === 0 && before[i]!.regions.length > 0)
    .map((s) => s.name);
  if (orphaned.length > 0) {
    const reason = `offboarding ${target.name} would leave ${orphaned.join(', ')} with no serving region`;
    const refusal = { guard: 'last-serving-region', reason };
    if (request.dryRun)
      return {
        result: 'refused',
        summary: `dry run: offboard ${target.subject} would be refused by last-serving-region: ${reason}`,
        plan: target.plan,
        refusal,
      };
    const spec = {
      kind: 'manual-offboard',
      delivery: 'request' as const,
      trigger: { source: request.source },
      principal: request.principal,
      subject: target.subject,
      cluster: target.subject,
      region: target.region,
      plan: target.plan,
    };
    const { record } = await runOperation(deps, spec, async () => ({ result: 'refused', reason: `last-serving-region: ${reason}` }));
    return {
      result: 'refused',
      summary: `offboard ${target.subject} refused by last-serving-region: ${reason}`,
      plan: target.plan,
      refusal,
      operation: record,
    };
  }
  return runTarget(deps, request, 'manual-offboard', 'offboard', target);
}

function gkeOffboardTarget(deps: ClusterOpsContext, config: FleetConfig, cluster: ClusterInfo): ClusterTarget {
  return {
    name: cluster.name,
    subject: `${cluster.projectId}/${cluster.location}/${cluster.name}`,
    region: regionOf(cluster.location),
    plan: [
      `take ${cluster.name} out of routing`,
      `remove its fleet membership (only if it names this cluster)`,
      'remove its remote secrets from the mesh',
      `record ${cluster.name} as removed`,
    ],
    // Offboarding on request removes the fleet wiring now, as a confirmed deletion does.
    run: (op) => offboard(deps, op, config, cluster, null),
  };
}

/** Plans (dry run) or runs `target` under its cluster lease, recording the operation. */
async function runTarget(
  deps: ClusterOpsContext,
  request: ClusterRequest,
  kind: 'manual-onboard' | 'manual-offboard',
  verb: string,
  target: ClusterTarget,
): Promise<ManualResult> {
  if (request.dryRun) return { result: 'planned', summary: `dry run: would ${verb} ${target.subject}`, plan: target.plan };
  const summary = `${target.subject} ${verb}ed by ${request.principal}`;
  const spec = {
    kind,
    delivery: 'request' as const,
    trigger: { source: request.source },
    principal: request.principal,
    subject: target.subject,
    cluster: target.subject,
    region: target.region,
    lease: { key: `cluster:${target.subject}`, ttlMs: 120_000, waitMs: 30_000 },
    plan: target.plan,
  };
  const { record } = await runOperation(deps, spec, async ({ op }) => {
    await target.run(op);
    return { result: 'succeeded', reason: summary };
  });
  return { result: 'succeeded', summary, plan: target.plan, operation: record };
}

async function resolveCluster(deps: ClusterOpsContext, config: FleetConfig, selector: ClusterSelector): Promise<Resolved> {
  if ('membership' in selector) {
    const match = /^projects\/([^/]+)\/locations\/([^/]+)\/memberships\/([^/]+)$/.exec(selector.membership);
    if (!match) throw new RequestError('invalid_argument', 'membership must be projects/PROJECT/locations/LOCATION/memberships/ID');
    const membership = await deps.hub.getMembership(match[2]!, match[3]!);
    // An unknown membership may still be an attached cluster whose owner unregistered it: offboarding looks at its record.
    if (!membership || membershipKind(membership) === 'attached') return { kind: 'attached', name: selector.membership, membership };
    const link = membership.endpoint?.gkeCluster?.resourceLink;
    const gke = link ? /\/projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/clusters\/([^/]+)$/.exec(link) : null;
    if (!gke)
      throw new RequestError(
        'failed_precondition',
        `membership ${selector.membership} names no GKE cluster (resource link ${link ?? 'missing'})`,
      );
    if (gke[1] !== config.fleet.project)
      throw new RequestError(
        'failed_precondition',
        `membership ${selector.membership} names a cluster in project ${gke[1]}; only ${config.fleet.project} is reachable`,
      );
    return resolveCluster(deps, config, { location: gke[2]!, name: gke[3]! });
  }
  const cluster = await deps.container.getCluster(selector.location, selector.name);
  if (!cluster) throw new RequestError('not_found', `cluster ${selector.location}/${selector.name} does not exist`);
  return { kind: 'gke', cluster };
}
