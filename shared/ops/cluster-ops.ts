/**
 * Onboarding and offboarding on demand (admin). The same steps as the lifecycle flow, under the
 * same per-cluster lease; the request selects the cluster, so the label selector of automatic
 * onboarding does not apply, but the allowed projects and locations do. A cluster may be named
 * by its location and name or by an existing fleet membership that points at it. Offboarding is
 * refused when it would leave a service with no serving region.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import { RequestError } from '../errors.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import type { LifecycleDeps } from '../onboarding/deps.ts';
import { offboard } from '../onboarding/offboard.ts';
import { onboard } from '../onboarding/onboard.ts';
import { evaluatePolicy } from '../onboarding/policy.ts';
import { regionOf, type RoutingObservation } from '../routing/index.ts';
import { withLease } from '../state/leases.ts';
import { startOperation } from '../state/operations.ts';
import { routedServices } from '../onboarding/update-routes.ts';
import type { ManualResult } from './result.ts';
import { readSnapshot } from './snapshot.ts';

/** Which cluster: by location and name, or by a membership's full name. */
export type ClusterSelector = { location: string; name: string } | { membership: string };

/** An on-demand onboarding or offboarding. */
export interface ClusterRequest {
  cluster: ClusterSelector;
  principal: string;
  dryRun: boolean;
  source: string;
}

/** Onboards a running GKE cluster (or the GKE cluster an existing membership names). */
export async function onboardCluster(deps: LifecycleDeps, request: ClusterRequest): Promise<ManualResult> {
  const config = await deps.config();
  const cluster = await resolveCluster(deps, config, request.cluster);
  if (cluster.status !== 'RUNNING' && cluster.status !== 'RECONCILING') throw new RequestError('failed_precondition', `cluster ${cluster.name} is ${cluster.status}; only a running cluster can be onboarded`);
  const decision = evaluatePolicy(cluster, { ...config, onboarding: { ...config.onboarding, matchLabels: {} } });
  if (!decision.eligible) throw new RequestError('failed_precondition', `cluster ${cluster.name} cannot be onboarded: ${decision.reason}`);
  const subject = `${cluster.projectId}/${cluster.location}/${cluster.name}`;
  const plan = [
    `register ${cluster.name} in the fleet (${cluster.fleetMembership ? `existing membership ${cluster.fleetMembership}` : `membership ${cluster.name}`}) with Workload Identity`,
    'enable fleet features multiclusterservicediscovery and multiclusteringress',
    `apply namespaces, Services and ServiceExports for ${config.services.map((s) => s.name).join(', ')} in ${cluster.name}; label nodes with topology`,
    ...(config.mesh.services.length > 0 ? ['join the mesh: injection labels, DestinationRules, remote secrets'] : []),
    `route ${regionOf(cluster.location)} once its ServiceImports exist on the config cluster`,
  ];
  if (request.dryRun) return { result: 'planned', summary: `dry run: would onboard ${subject}`, plan };
  const op = await startOperation(deps, { kind: 'manual-onboard', trigger: { source: request.source }, principal: request.principal, subject, cluster: subject, region: regionOf(cluster.location) });
  op.plan(plan);
  try {
    await withLease(deps, `cluster:${subject}`, `${deps.instanceId}:${op.id}`, 120_000, () => onboard(deps, op, config, cluster), 30_000);
  } catch (error) {
    await op.finish('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
  const summary = `${subject} onboarded by ${request.principal}`;
  return { result: 'succeeded', summary, plan, operation: await op.finish('succeeded', summary) };
}

/** Takes a cluster out of routing and out of the fleet (membership, remote secrets). */
export async function offboardCluster(deps: LifecycleDeps, request: ClusterRequest): Promise<ManualResult> {
  const snapshot = await readSnapshot(deps);
  const cluster = await resolveCluster(deps, snapshot.config, request.cluster);
  const subject = `${cluster.projectId}/${cluster.location}/${cluster.name}`;
  const without: RoutingObservation = { ...snapshot.observed, clusters: snapshot.observed.clusters.filter((c) => c.name !== cluster.name) };
  const before = routedServices(snapshot.config, snapshot.observed);
  const orphaned = routedServices(snapshot.config, without).filter((s, i) => s.regions.length === 0 && before[i]!.regions.length > 0).map((s) => s.name);
  const plan = [`take ${cluster.name} out of routing`, `remove its fleet membership (only if it names this cluster)`, 'remove its remote secrets from the mesh', `record ${cluster.name} as removed`];
  if (orphaned.length > 0) {
    const reason = `offboarding ${cluster.name} would leave ${orphaned.join(', ')} with no serving region`;
    if (request.dryRun) return { result: 'refused', summary: `dry run: offboard ${subject} would be refused by last-serving-region: ${reason}`, plan, refusal: { guard: 'last-serving-region', reason } };
    const op = await startOperation(deps, { kind: 'manual-offboard', trigger: { source: request.source }, principal: request.principal, subject, cluster: subject, region: regionOf(cluster.location) });
    op.plan(plan);
    const record = await op.finish('refused', `last-serving-region: ${reason}`);
    return { result: 'refused', summary: `offboard ${subject} refused by last-serving-region: ${reason}`, plan, refusal: { guard: 'last-serving-region', reason }, operation: record };
  }
  if (request.dryRun) return { result: 'planned', summary: `dry run: would offboard ${subject}`, plan };
  const op = await startOperation(deps, { kind: 'manual-offboard', trigger: { source: request.source }, principal: request.principal, subject, cluster: subject, region: regionOf(cluster.location) });
  op.plan(plan);
  try {
    // Offboarding on request removes the fleet wiring now, as a confirmed deletion does.
    await withLease(deps, `cluster:${subject}`, `${deps.instanceId}:${op.id}`, 120_000, () => offboard(deps, op, snapshot.config, cluster, null), 30_000);
  } catch (error) {
    await op.finish('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
  const summary = `${subject} offboarded by ${request.principal}`;
  return { result: 'succeeded', summary, plan, operation: await op.finish('succeeded', summary) };
}

async function resolveCluster(deps: LifecycleDeps, config: FleetConfig, selector: ClusterSelector): Promise<ClusterInfo> {
  if ('membership' in selector) {
    const match = /^projects\/[^/]+\/locations\/([^/]+)\/memberships\/([^/]+)$/.exec(selector.membership);
    if (!match) throw new RequestError('invalid_argument', 'membership must be projects/PROJECT/locations/LOCATION/memberships/ID');
    const membership = await deps.hub.getMembership(match[1]!, match[2]!);
    if (!membership) throw new RequestError('not_found', `membership ${selector.membership} does not exist`);
    const link = membership.endpoint?.gkeCluster?.resourceLink;
    const gke = link ? /\/projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/clusters\/([^/]+)$/.exec(link) : null;
    if (!gke) throw new RequestError('failed_precondition', `membership ${selector.membership} is not a GKE cluster; attached and on-prem clusters are reached through Connect Gateway, which this deployment does not use`);
    if (gke[1] !== config.fleet.project) throw new RequestError('failed_precondition', `membership ${selector.membership} names a cluster in project ${gke[1]}; only ${config.fleet.project} is reachable`);
    return resolveCluster(deps, config, { location: gke[2]!, name: gke[3]! });
  }
  const cluster = await deps.container.getCluster(selector.location, selector.name);
  if (!cluster) throw new RequestError('not_found', `cluster ${selector.location}/${selector.name} does not exist`);
  return cluster;
}
