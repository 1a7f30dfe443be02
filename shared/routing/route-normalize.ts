/**
 * A comparable view of an HTTPRoute's spec: the defaults the API server fills in are made explicit
 * (path `PathPrefix /`, backend kind `Service`, weight 1, namespaces of the route), so a rendered
 * route and the same route read back from the config cluster compare equal.
 */
import type { HttpBackendRef, HttpRoute, HttpRouteMatch, HttpRouteRule, ParentRef } from './http-route.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** Key of the catch-all match, which marks the default rule. */
export const DEFAULT_MATCH = '/';

/** A backendRef with its defaults applied. */
export interface NormalBackend {
  key: string;
  display: string;
  name: string;
  weight: number;
  port: number | undefined;
  /** Stable JSON of every other field (filters…). */
  rest: string;
}

/** A rule keyed by its matches. */
export interface NormalRule {
  key: string;
  label: string;
  backends: NormalBackend[];
  rest: string;
}

/** The comparable spec of a route. */
export interface NormalRoute {
  parents: string[];
  hostnames: string[];
  rules: NormalRule[];
}

/** Normalizes the spec of `route`. */
export function normalizeRoute(route: HttpRoute): NormalRoute {
  const ns = route.metadata.namespace;
  const rules = route.spec.rules ?? [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }];
  const seen = new Map<string, number>();
  return {
    parents: [...new Set((route.spec.parentRefs ?? []).map((p) => parentKey(p, ns)))].sort(),
    hostnames: [...new Set(route.spec.hostnames ?? [])].sort(),
    rules: rules.map((rule) => {
      const normal = normalizeRule(rule, ns);
      const n = (seen.get(normal.key) ?? 0) + 1;
      seen.set(normal.key, n);
      return n === 1 ? normal : { ...normal, key: `${normal.key} #${n}`, label: `${normal.label} #${n}` };
    }),
  };
}

function parentKey(p: ParentRef, ns: string): string {
  const group = p.group ?? GATEWAY_GROUP;
  const kind = `${group === GATEWAY_GROUP ? '' : `${group}/`}${p.kind ?? 'Gateway'}`;
  return `${kind} ${p.namespace ?? ns}/${p.name}${p.sectionName ? `#${p.sectionName}` : ''}`;
}

function normalizeRule(rule: HttpRouteRule, ns: string): NormalRule {
  const { matches, backendRefs, ...rest } = rule;
  const key = (matches && matches.length > 0 ? matches : [{}]).map(matchKey).join(' | ');
  return {
    key,
    label: key === DEFAULT_MATCH ? 'default rule' : `rule ${key}`,
    backends: (backendRefs ?? []).map((b) => normalizeBackend(b, ns)),
    rest: stableJson(rest),
  };
}

function matchKey(match: HttpRouteMatch): string {
  const { path, ...rest } = match;
  const type = path?.type ?? 'PathPrefix';
  const value = path?.value ?? '/';
  const extra = Object.keys(rest).length > 0 ? ` ${stableJson(rest)}` : '';
  return `${type === 'PathPrefix' ? '' : `${type} `}${value}${extra}`;
}

function normalizeBackend(b: HttpBackendRef, ns: string): NormalBackend {
  const { group, kind, name, namespace, port, weight, ...rest } = b;
  const backendNs = namespace ?? ns;
  const typed = `${group ?? ''}/${kind ?? 'Service'}`;
  return {
    key: `${typed} ${backendNs}/${name}`,
    display: `${backendNs === ns ? '' : `${backendNs}/`}${name}${typed === 'net.gke.io/ServiceImport' ? '' : ` (${kind ?? 'Service'})`}`,
    name,
    weight: weight ?? 1,
    port,
    rest: stableJson(rest),
  };
}

/** JSON with object keys sorted, so equal values give equal strings. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
