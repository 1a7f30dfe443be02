/**
 * Renders the one HTTPRoute of a routed service from the fleet configuration and the observed fleet:
 * a default rule with one ServiceImport backend per ready region, and a rule per pinned path. Pure
 * and deterministic; whatever cannot be rendered safely is explained, never half-rendered.
 */
import type { ServiceConfig } from '../config/fleet-config.ts';
import { GATEWAY_API_VERSION, ROUTE_LIMITS, SERVICE_IMPORT } from './http-route.ts';
import type { HttpBackendRef, HttpRoute, HttpRouteRule } from './http-route.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, clusterServiceName, importKey } from './names.ts';
import type { RoutingObservation } from './observation.ts';
import { configProblems } from './route-problems.ts';
import { clusterRegion } from './cluster-region.ts';
import { observeRegions, clusterPhases, placeClusters } from './region-state.ts';
import type { RegionState } from './region-state.ts';

/** What {@link renderHttpRoute} decided: the route (or `null`), why, and what blocks it. */
export interface RoutePlan {
  /** The desired HTTPRoute; `null` means "render nothing, leave any live route untouched". */
  route: HttpRoute | null;
  /** Human-readable lines explaining every decision. */
  explanation: string[];
  /**
   * Violations of Gateway API limits; when any exists `route` is `null`. Each starts with the
   * service's name (`store: …`): this is the one place problems are prefixed, callers pass them on.
   */
  problems: string[];
}

/** Regions taken out of the default rule by drains, and what pinned paths to them do meanwhile. */
export interface DrainOverlay {
  drained: ReadonlySet<string>;
  pinnedPathsOnDrain: 'keep' | 'nearest-healthy';
  /** Drained regions whose manual drain overrode the never-zero guard (break glass): a service may serve from none. */
  overridden?: ReadonlySet<string>;
  /** Restored regions ramping back: the percent of their baseline weight they get now. */
  ramp?: ReadonlyMap<string, number>;
}

/** No region drained. */
export const NO_DRAIN: DrainOverlay = { drained: new Set(), pinnedPathsOnDrain: 'keep' };

/** The Gateway a route attaches to. */
export interface GatewayRef {
  name: string;
  namespace: string;
}

/**
 * Renders the HTTPRoute of `service`. A region is ready when it has a serving cluster and its
 * regional ServiceImport exists; pinned paths render only when their cluster (or region) is ready.
 * The result does not depend on the order of `observed.clusters`.
 */
export function renderHttpRoute(
  service: ServiceConfig,
  gateway: GatewayRef,
  observed: RoutingObservation,
  drain: DrainOverlay = NO_DRAIN,
): RoutePlan {
  const problems = configProblems(service);
  const regions = observeRegions(service, observed);
  const ready = regions.filter((r) => r.ready);
  // A drained region stays in the default rule with weight 0: a drain and a restore are one weight each.
  // A ramping region gets its share of the baseline, never rounded down to nothing.
  const effective = (r: RegionState) => {
    if (drain.drained.has(r.region)) return 0;
    const percent = drain.ramp?.get(r.region);
    return percent === undefined || r.weight === 0 ? r.weight : Math.max(1, Math.round((r.weight * percent) / 100));
  };
  const note = (r: RegionState) =>
    drain.drained.has(r.region)
      ? ` (drained; baseline ${r.weight})`
      : drain.ramp?.has(r.region) && r.weight > 0
        ? ` (ramping: ${drain.ramp.get(r.region)}% of baseline ${r.weight})`
        : '';
  const head: string[] = [];
  const details = [
    ...placeClusters(observed.clusters).unplaced.map((c) => `cluster ${c.name} at ${c.location} is not routed: ${c.reason}`),
    ...regions.filter((r) => !r.ready).map(regionLine),
  ];
  const pins = pinnedRules(service, observed, regions, details, drain);
  const rules = pins.slice();

  if (ready.length === 0) {
    head.push(`no region of ${service.name} is ready: no HTTPRoute rendered, a live route stays as it is`);
    return { route: null, explanation: [...head, ...details], problems };
  }
  const overridden = ready.filter((r) => drain.overridden?.has(r.region)).map((r) => r.region);
  if (ready.every((r) => effective(r) === 0) && ready.some((r) => drain.drained.has(r.region)) && overridden.length === 0) {
    problems.push(`${service.name}: drains would leave no region serving (never zero); the live route stays as it is`);
  } else if (ready.every((r) => effective(r) === 0) && overridden.length > 0) {
    // An admin broke the glass: every backend at weight 0, which the Gateway answers with 500s.
    head.push(
      `default rule: no region of ${service.name} serving; the never-zero guard was overridden for ${overridden.join(', ')}: every request fails until a restore`,
    );
    rules.push(
      rule(
        '/',
        ready.map((r) => backend(r.importName, service.port, 0)),
      ),
    );
  } else if (ready.every((r) => r.weight === 0)) {
    head.push(`default rule omitted: every ready region of ${service.name} has weight 0 (${ready.map((r) => r.region).join(', ')})`);
  } else {
    head.push(
      `default rule: ${ready.map((r) => `${r.region} weight ${effective(r)}${note(r)} (${count(r.serving.length, 'cluster')})`).join(', ')}`,
    );
    rules.push(
      rule(
        '/',
        ready.map((r) => backend(r.importName, service.port, effective(r))),
      ),
    );
  }
  if (ready.length > ROUTE_LIMITS.backendRefsPerRule) {
    problems.push(
      `${service.name}: ${ready.length} ready regions exceed the ${ROUTE_LIMITS.backendRefsPerRule} backendRefs a rule can hold`,
    );
  }
  if (problems.length > 0) {
    return {
      route: null,
      explanation: [`no HTTPRoute rendered for ${service.name}: it would break Gateway API limits`, ...head, ...details],
      problems,
    };
  }
  if (rules.length === 0) {
    return {
      route: null,
      explanation: [...head, `no rule of ${service.name} can render: a live route stays as it is`, ...details],
      problems,
    };
  }
  const route: HttpRoute = {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name: service.name, namespace: service.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    spec: {
      parentRefs: [{ kind: 'Gateway', name: gateway.name, namespace: gateway.namespace }],
      hostnames: [...service.hostnames],
      rules,
    },
  };
  return { route, explanation: [...head, ...details], problems };
}

/** Rules of the pinned paths that can render, in configuration order; explains each into `lines`. */
function pinnedRules(
  service: ServiceConfig,
  observed: RoutingObservation,
  regions: RegionState[],
  lines: string[],
  drain: DrainOverlay,
): HttpRouteRule[] {
  const clusters = clusterPhases(observed.clusters);
  const rules: HttpRouteRule[] = [];
  // A pin into a drained region keeps serving (`keep`) or follows the nearest healthy region.
  const redirect = (region: string | undefined, target: string): HttpBackendRef | undefined => {
    if (!region || !drain.drained.has(region) || drain.pinnedPathsOnDrain === 'keep') return undefined;
    const nearest = nearestHealthy(region, regions, drain);
    if (!nearest) return undefined;
    lines.push(`${target} redirected to ${nearest.region} while ${region} is drained`);
    return backend(nearest.importName, service.port, 1);
  };
  for (const pin of service.pinnedPaths) {
    if (pin.cluster && !pin.region) {
      const target = `${pin.path} → ${pin.cluster}`;
      const phase = clusters.get(pin.cluster);
      const name = clusterServiceName(service.name, pin.cluster);
      const key = importKey(service.namespace, name);
      if (phase === undefined) lines.push(`${target} skipped: cluster is not in the fleet`);
      else if (phase === 'leaving') lines.push(`${target} skipped: cluster is leaving`);
      else if (!observed.imports.has(key)) lines.push(`${target} waits for ServiceImport ${key}`);
      else {
        // A pin names a cluster by name only: when that name is in several regions, no drain moves it.
        const placed = clusterRegion(observed.clusters, pin.cluster);
        const moved = redirect(placed.ok ? placed.region : undefined, target);
        if (!moved)
          lines.push(placed.ok || drain.pinnedPathsOnDrain === 'keep' ? target : `${target} (not redirected on drains: ${placed.reason})`);
        rules.push(rule(pin.path, [moved ?? backend(name, service.port, 1)]));
      }
    } else if (pin.region && !pin.cluster) {
      const target = `${pin.path} → ${pin.region}`;
      const state = regions.find((r) => r.region === pin.region);
      if (state === undefined || state.serving.length === 0) lines.push(`${target} skipped: region has no serving cluster`);
      else if (!state.importPresent) lines.push(`${target} waits for ServiceImport ${importKey(service.namespace, state.importName)}`);
      else {
        const moved = redirect(pin.region, target);
        if (!moved) lines.push(target);
        rules.push(rule(pin.path, [moved ?? backend(state.importName, service.port, 1)]));
      }
    }
  }
  return rules;
}

/** The ready, undrained region closest to `region`: longest common name prefix, then name order. */
function nearestHealthy(region: string, regions: RegionState[], drain: DrainOverlay): RegionState | undefined {
  const common = (a: string, b: string) => {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return i;
  };
  return regions
    .filter((r) => r.ready && r.weight > 0 && !drain.drained.has(r.region) && r.region !== region)
    .sort((a, b) => common(region, b.region) - common(region, a.region) || a.region.localeCompare(b.region))[0];
}

function regionLine(r: RegionState): string {
  if (r.serving.length === 0 && r.leaving.length === 0) return `region ${r.region} has no cluster`;
  if (r.serving.length === 0) return `region ${r.region} has no serving cluster (leaving: ${r.leaving.join(', ')})`;
  return `region ${r.region} waits for ServiceImport ${r.importKey}`;
}

function rule(path: string, backendRefs: HttpBackendRef[]): HttpRouteRule {
  return { matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs };
}

function backend(name: string, port: number, weight: number): HttpBackendRef {
  return { ...SERVICE_IMPORT, name, port, weight };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
