/**
 * The pure plan of the fleet's routing for a snapshot and a set of facts: the derived drain state
 * (guards included), each service's rendered HTTPRoute against the live one, and how much default
 * traffic would move. Used by views and dry runs; the flows apply the same planners.
 */
import { deriveDrains, drainOverlay, type FleetDrainState, type FleetFacts, type Refusal } from '../failover/index.ts';
import { routedServices } from './update-routes.ts';
import { describeRouteChange, routeTrafficShares } from './route-diff.ts';
import { renderHttpRoute } from './render-route.ts';
import type { HttpRoute } from './http-route.ts';
import type { FleetSnapshot } from './snapshot.ts';

/** One service's route: what would be rendered, what is live, and the difference. */
export interface RoutePreview {
  service: string;
  namespace: string;
  rendered: HttpRoute | null;
  live: HttpRoute | null;
  /** Lines of change from live to rendered; empty when they match (or nothing is rendered). */
  diff: string[];
  explanation: string[];
  problems: string[];
  /** Default-rule traffic share by backend, live and rendered (0..1). */
  shares: { live: Record<string, number>; rendered: Record<string, number> };
  /** Share of the service's default traffic that changes backend (0..1). */
  trafficMoved: number;
}

/** The plan for a snapshot. */
export interface FleetPlan {
  drains: FleetDrainState;
  routes: RoutePreview[];
}

/** Plans routing for `snapshot`, with `facts` in place of the stored ones when given. */
export function planFleet(snapshot: FleetSnapshot, facts: FleetFacts = snapshot.facts): FleetPlan {
  const { config, observed } = snapshot;
  const drains = deriveDrains({ facts, services: routedServices(config, observed), policy: config.safety, now: snapshot.now });
  const overlay = drainOverlay(drains, config.safety.pinnedPathsOnDrain, {
    clusters: observed.clusters,
    ramp: config.safety.ramp,
    now: snapshot.now,
  });
  const routes = config.services.map((service): RoutePreview => {
    const plan = renderHttpRoute(service, config.fleet.gateway, observed, overlay);
    const live = snapshot.live.get(service.name) ?? null;
    const liveShares = live ? routeTrafficShares(live) : {};
    const renderedShares = plan.route ? routeTrafficShares(plan.route) : liveShares;
    return {
      service: service.name,
      namespace: service.namespace,
      rendered: plan.route,
      live,
      diff: plan.route ? describeRouteChange(live, plan.route) : [],
      explanation: plan.explanation,
      problems: plan.problems,
      shares: { live: liveShares, rendered: renderedShares },
      trafficMoved: movedShare(liveShares, renderedShares),
    };
  });
  return { drains, routes };
}

/** Half the total absolute change of shares: the fraction of traffic that lands elsewhere. */
export function movedShare(before: Record<string, number>, after: Record<string, number>): number {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  let total = 0;
  for (const name of names) total += Math.abs((after[name] ?? 0) - (before[name] ?? 0));
  return Math.round((total / 2) * 1000) / 1000;
}

/** The refusal the request `ref` (a manual fact id) met, if any. */
export function refusalOf(plan: FleetPlan, ref: string): Refusal | undefined {
  return plan.drains.refusals.filter((r) => r.ref === ref).at(-1);
}

/** "store: 50% of default traffic moves" lines for the services whose traffic moves. */
export function describeTrafficMoved(routes: readonly RoutePreview[]): string[] {
  return routes.filter((r) => r.trafficMoved > 0).map((r) => `${r.service}: ${Math.round(r.trafficMoved * 100)}% of default traffic moves`);
}
