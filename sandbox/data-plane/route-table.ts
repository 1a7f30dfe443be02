/**
 * The routing decision of the local stand-in for a multi-cluster Gateway's load balancer, as pure
 * functions: {@link buildRouteTable} compiles the Gateway's attached HTTPRoutes and the fleet's
 * ServiceImports into a table, and {@link pickBackend} chooses a cluster for one request the way
 * the Gateway API specifies (most specific hostname, then Exact path, then the longest PathPrefix,
 * then weights). Matches on headers, query parameters or methods, and RegularExpression paths, are
 * not evaluated: rules that carry them are left out of the table.
 */
import type { HttpRoute, HttpRouteRule } from '../../shared/routing/http-route.ts';
import { hostClass, normalizeHost, normalizePrefix, pathMatches } from './route-match.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const MCS_GROUP = 'net.gke.io';

/** One Gateway listener, as far as route attachment is concerned. */
export interface TableListener {
  name: string;
  port?: number;
  allowedRoutes?: { namespaces?: { from?: string } };
}

/** The Gateway routes attach to; without `listeners`, every namespace may attach. */
export interface TableGateway {
  name: string;
  namespace: string;
  listeners?: TableListener[];
}

/** A ServiceImport and the clusters that export it (from its `status.clusters`). */
export interface ImportedService {
  namespace: string;
  name: string;
  clusters: string[];
}

/** A weighted backend of one table entry; `clusters` is empty when it cannot be resolved. */
export interface TableBackend {
  namespace: string;
  name: string;
  weight: number;
  clusters: string[];
}

/** One (route, rule, match) the data plane can evaluate. */
export interface TableEntry {
  /** `namespace/name` of the HTTPRoute. */
  route: string;
  /** Lower-cased hostnames; empty means every host. */
  hostnames: string[];
  path: { type: 'Exact' | 'PathPrefix'; value: string };
  backends: TableBackend[];
}

/** The compiled routing state; plain data, so it can be compared and hashed. */
export interface RouteTable {
  gateway: { name: string; namespace: string };
  /** In precedence order for equal host and path specificity (oldest route, then name, then rule). */
  entries: TableEntry[];
  /** `namespace/name` of every attached route. */
  routes: string[];
  /** Attached routes per listener name. */
  attachedRoutes: Record<string, number>;
}

/** Where one request goes. */
export type PickResult =
  { cluster: string; serviceImport: string; namespace: string; route: string } | { error: 'no-route' | 'no-backend' };

/** Compiles the routes attached to `gateway` and the ServiceImports into a {@link RouteTable}. */
export function buildRouteTable(gateway: TableGateway, routes: HttpRoute[], imports: ImportedService[]): RouteTable {
  const clustersOf = new Map(imports.map((i) => [`${i.namespace}/${i.name}`, [...new Set(i.clusters)].sort()]));
  const attachedRoutes: Record<string, number> = Object.fromEntries((gateway.listeners ?? []).map((l) => [l.name, 0]));
  const attached = [...routes].sort(routeOrder).filter((route) => {
    const listeners = attachingListeners(gateway, route);
    for (const l of listeners ?? []) attachedRoutes[l] = (attachedRoutes[l] ?? 0) + 1;
    return listeners === undefined || listeners.length > 0;
  });
  const entries = attached.flatMap((route) => (route.spec.rules ?? []).flatMap((rule) => entriesOf(route, rule, clustersOf)));
  return { gateway: { name: gateway.name, namespace: gateway.namespace }, entries, routes: attached.map(keyOf), attachedRoutes };
}

/**
 * Chooses the backend for a request: the entries for the most specific matching hostname, among
 * them the most specific path, then a weighted choice among backends with weight > 0, then a
 * uniform choice among the clusters exporting the chosen ServiceImport.
 */
export function pickBackend(table: RouteTable, host: string, path: string, random: () => number): PickResult {
  const hostname = normalizeHost(host);
  const requestPath = path.split(/[?#]/, 1)[0] || '/';
  let best: TableEntry | undefined;
  let bestScore: number[] = [];
  for (const entry of table.entries) {
    const hostScore = hostClass(entry.hostnames, hostname);
    if (!hostScore || !pathMatches(entry.path, requestPath)) continue;
    const score = [...hostScore, entry.path.type === 'Exact' ? 1 : 0, entry.path.value.length];
    if (!best || compareScores(score, bestScore) > 0) {
      best = entry;
      bestScore = score;
    }
  }
  if (!best) return { error: 'no-route' };
  const live = best.backends.filter((b) => b.weight > 0);
  const total = live.reduce((sum, b) => sum + b.weight, 0);
  if (total === 0) return { error: 'no-backend' };
  let point = random() * total;
  const chosen = live.find((b) => (point -= b.weight) < 0) ?? live[live.length - 1]!;
  if (chosen.clusters.length === 0) return { error: 'no-backend' };
  const cluster = chosen.clusters[Math.min(chosen.clusters.length - 1, Math.floor(random() * chosen.clusters.length))]!;
  return { cluster, serviceImport: chosen.name, namespace: chosen.namespace, route: best.route };
}

function entriesOf(route: HttpRoute, rule: HttpRouteRule, clustersOf: Map<string, string[]>): TableEntry[] {
  const namespace = route.metadata.namespace;
  const backends = (rule.backendRefs ?? []).map((ref): TableBackend => {
    const ns = ref.namespace ?? namespace;
    const isImport = ref.group === MCS_GROUP && ref.kind === 'ServiceImport';
    return {
      namespace: ns,
      name: ref.name,
      weight: ref.weight ?? 1,
      clusters: isImport ? (clustersOf.get(`${ns}/${ref.name}`) ?? []) : [],
    };
  });
  const matches = rule.matches?.length ? rule.matches : [{ path: { type: 'PathPrefix' as const, value: '/' } }];
  return matches.flatMap((match) => {
    const { path, ...others } = match;
    const type = path?.type ?? 'PathPrefix';
    if (Object.keys(others).length > 0 || (type !== 'PathPrefix' && type !== 'Exact')) return [];
    const value = type === 'PathPrefix' ? normalizePrefix(path?.value ?? '/') : (path?.value ?? '/');
    return [{ route: keyOf(route), hostnames: (route.spec.hostnames ?? []).map((h) => h.toLowerCase()), path: { type, value }, backends }];
  });
}

/** The listeners `route` attaches to; `undefined` when the Gateway's listeners are unknown. */
function attachingListeners(gateway: TableGateway, route: HttpRoute): string[] | undefined {
  const namespace = route.metadata.namespace;
  const refs = (route.spec.parentRefs ?? []).filter(
    (ref) =>
      (ref.group ?? GATEWAY_GROUP) === GATEWAY_GROUP &&
      (ref.kind ?? 'Gateway') === 'Gateway' &&
      (ref.namespace ?? namespace) === gateway.namespace &&
      ref.name === gateway.name,
  );
  if (refs.length === 0) return [];
  if (!gateway.listeners) return undefined;
  const allowed = gateway.listeners.filter((l) => {
    const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
    // Selector needs the route namespace's labels, which the table does not see: not attached.
    return from === 'All' || (from === 'Same' && namespace === gateway.namespace);
  });
  const port = (ref: object): unknown => (ref as { port?: unknown }).port;
  return allowed
    .filter((l) =>
      refs.some((ref) => (!ref.sectionName || ref.sectionName === l.name) && (port(ref) === undefined || port(ref) === l.port)),
    )
    .map((l) => l.name);
}

function routeOrder(a: HttpRoute, b: HttpRoute): number {
  const ta = timeOf(a.metadata.creationTimestamp);
  const tb = timeOf(b.metadata.creationTimestamp);
  return ta !== tb ? ta - tb : keyOf(a).localeCompare(keyOf(b));
}

// The client deserialises timestamps into Dates; fixtures may hold RFC 3339 strings.
function timeOf(value: Date | string | undefined): number {
  const ms = value === undefined ? NaN : new Date(value).getTime();
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function keyOf(route: HttpRoute): string {
  return `${route.metadata.namespace}/${route.metadata.name}`;
}
