/**
 * Observes what routing may use and renders the config cluster's Gateway and HTTPRoutes from it.
 * Level-based and fail static: every read that fails aborts the run before anything is written,
 * and a service with nothing ready keeps its live route untouched.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterInfo, ContainerAdapter } from '../adapters/container.ts';
import type { Store } from '../adapters/firestore.ts';
import type { KubeAdapter } from '../adapters/kube.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { NO_DRAIN, renderHttpRoute, type DrainOverlay } from './render-route.ts';
import { describeRouteChange, routeUnchanged } from './route-diff.ts';
import { mapBounded } from './bounded.ts';
import { MANAGED_BY_SELECTOR, regionOf } from './names.ts';
import { listManaged, objectKey } from '../adapters/kube-managed.ts';
import { renderGateway } from './render-gateway.ts';
import type { HttpRoute } from './http-route.ts';
import type { ObservedCluster, RoutingObservation } from './observation.ts';
import { clusterRecordId, listClusterRecords, recordKind, type ClusterRecord } from '../state/cluster-records.ts';

/** What a route reconcile did, per service. */
export interface RoutesOutcome {
  changed: string[];
  explanation: string[];
  problems: string[];
}

/** The reads routing is observed from: the complete Container list, fleetpilot's records, the ServiceImports. */
export interface RoutingReads {
  clusters: ClusterInfo[];
  records: ClusterRecord[];
  imports: KubernetesObject[];
}

/** Reads clusters (Container, fleetpilot's records) and ServiceImports (config cluster). */
export async function readRoutingInputs(deps: {
  container: ContainerAdapter;
  store: Store;
  configKube: KubeAdapter;
}): Promise<RoutingReads> {
  // A complete list or an error: a failed read must never look like "every cluster is gone".
  const [clusters, records, imports] = await Promise.all([
    deps.container.listClusters('-'),
    listClusterRecords(deps.store),
    deps.configKube.list('net.gke.io/v1', 'ServiceImport'),
  ]);
  return { clusters, records, imports };
}

/** What routing may use, from the reads (pure). */
export function routingObservation(reads: RoutingReads, config: FleetConfig): RoutingObservation {
  const status = new Map(reads.clusters.map((c) => [clusterRecordId(c), c.status]));
  return {
    clusters: routableClusters(reads.records, status, config),
    imports: new Set(reads.imports.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)),
  };
}

/** Reads and observes in one step. */
export async function observeRouting(
  deps: { container: ContainerAdapter; store: Store; configKube: KubeAdapter },
  config: FleetConfig,
): Promise<RoutingObservation> {
  return routingObservation(await readRoutingInputs(deps), config);
}

/**
 * Which recorded clusters routing may use (pure). A GKE cluster must be in the complete Container
 * list (`status`, keyed by record id): absent means confirmed gone, and only RUNNING serves. An
 * attached cluster is not in the Container API: its phase alone decides, in the region it was
 * onboarded for.
 */
export function routableClusters(
  records: readonly ClusterRecord[],
  status: ReadonlyMap<string, string>,
  config: FleetConfig,
): ObservedCluster[] {
  const clusters: ObservedCluster[] = [];
  for (const record of records) {
    if (record.phase !== 'onboarded' && record.phase !== 'leaving') continue;
    if (record.projectId !== config.fleet.project && !config.onboarding.allowedProjects.includes(record.projectId)) continue;
    if (recordKind(record) === 'attached') {
      clusters.push({
        name: record.name,
        location: record.location,
        region: record.region,
        phase: record.phase === 'onboarded' ? 'serving' : 'leaving',
        kind: 'attached',
        ...(record.membership ? { membership: record.membership } : {}),
        ...(record.onboardedAt ? { onboardedAt: record.onboardedAt } : {}),
      });
      continue;
    }
    const current = status.get(clusterRecordId(record));
    if (current === undefined) continue; // confirmed gone: a complete list does not hold it
    const serving = record.phase === 'onboarded' && current === 'RUNNING';
    clusters.push({
      name: record.name,
      location: record.location,
      region: regionOf(record.location),
      phase: serving ? 'serving' : 'leaving',
      ...(record.onboardedAt ? { onboardedAt: record.onboardedAt } : {}),
    });
  }
  return clusters;
}

/** Routes written at once: enough to make a 50-service drain a few round trips, few enough for one API server. */
export const ROUTE_WRITE_CONCURRENCY = 8;

/**
 * fleetpilot's HTTPRoutes in the config cluster, in one list: a drain of 50 services reads them in
 * one request, not 50. Empty for a single service (one GET is as cheap).
 */
async function listManagedRoutes(configKube: KubeAdapter, services: number): Promise<Map<string, HttpRoute>> {
  if (services < 2) return new Map();
  return listManaged<HttpRoute>(configKube, 'gateway.networking.k8s.io/v1', 'HTTPRoute', MANAGED_BY_SELECTOR);
}

/**
 * Applies the Gateway (when configured and absent) and every service's HTTPRoute, up to
 * {@link ROUTE_WRITE_CONCURRENCY} at once. The routes are read once, in one list (a route missing
 * from it, such as one not yet labelled, is read alone): a route whose spec already matches is not
 * written at all, a changed one is applied without a dry run.
 */
export async function reconcileRoutes(
  configKube: KubeAdapter,
  config: FleetConfig,
  observed: RoutingObservation,
  drain: DrainOverlay = NO_DRAIN,
): Promise<RoutesOutcome> {
  const outcome: RoutesOutcome = { changed: [], explanation: [], problems: [] };
  const gw = config.fleet.gateway;
  const plans = config.services.map((service) => ({ service, plan: renderHttpRoute(service, gw, observed, drain) }));
  const gateway = async (): Promise<string[]> => {
    if (!gw.create) return [];
    const ref = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: gw.namespace, name: gw.name };
    if (await configKube.get(ref)) return [];
    await ensureNamespace(configKube, gw.namespace);
    await configKube.apply(renderGateway(gw), { live: null });
    return [`Gateway ${gw.namespace}/${gw.name} created`];
  };
  const listing = listManagedRoutes(configKube, plans.filter((p) => p.plan.route && p.plan.problems.length === 0).length);
  const route = async ({ service, plan }: (typeof plans)[number]): Promise<string[]> => {
    if (plan.problems.length > 0 || !plan.route) return [];
    const desired = plan.route;
    const ref = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: service.namespace, name: service.name };
    const live = (await listing).get(objectKey(service.namespace, service.name)) ?? (await configKube.get<HttpRoute>(ref));
    // A live route proves its namespace exists.
    if (!live) await ensureNamespace(configKube, service.namespace);
    const result = await configKube.apply(desired, { live, same: (l) => routeUnchanged(l, desired) });
    if (!result.changed) return [];
    return describeRouteChange(live, desired).map((line) => `HTTPRoute ${service.namespace}/${service.name}: ${line}`);
  };
  const [created, routes] = await Promise.all([gateway(), mapBounded(plans, ROUTE_WRITE_CONCURRENCY, route)]);
  outcome.changed.push(...created, ...routes.flat());
  for (const { service, plan } of plans) {
    outcome.explanation.push(...plan.explanation.map((line) => `${service.name}: ${line}`));
    // The planner's problems already name their service (see configProblems).
    outcome.problems.push(...plan.problems);
  }
  return outcome;
}

/**
 * Creates a namespace only when absent. Applying it would make fleetpilot's field manager own (and
 * so drop) labels it set elsewhere on the same namespace, such as mesh injection.
 */
async function ensureNamespace(kube: KubeAdapter, name: string): Promise<void> {
  if (!(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name }))) {
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
}
