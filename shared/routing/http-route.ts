/**
 * The subset of Gateway API (`gateway.networking.k8s.io/v1`) shapes fleetpilot renders and reads,
 * and the limits the API server enforces on them.
 */
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

/** API version of Gateway and HTTPRoute. */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
/** Group and kind of a multi-cluster ServiceImport backend. */
export const SERVICE_IMPORT = { group: 'net.gke.io', kind: 'ServiceImport' } as const;

/** Gateway API limits on one HTTPRoute. */
export const ROUTE_LIMITS = {
  rules: 16,
  backendRefsPerRule: 16,
  hostnames: 16,
  maxWeight: 1_000_000,
  pathLength: 1024,
} as const;

/** A reference from a route to its Gateway. */
export interface ParentRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
}

/** A path match; fleetpilot renders `PathPrefix` only. */
export interface HttpPathMatch {
  type?: 'PathPrefix' | 'Exact' | 'RegularExpression';
  value?: string;
}

/** One match of a rule (fleetpilot uses the path only; other fields are kept when read). */
export interface HttpRouteMatch {
  path?: HttpPathMatch;
  [field: string]: unknown;
}

/** A weighted backend of a rule. */
export interface HttpBackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [field: string]: unknown;
}

/** One rule of an HTTPRoute. */
export interface HttpRouteRule {
  matches?: HttpRouteMatch[];
  backendRefs?: HttpBackendRef[];
  [field: string]: unknown;
}

/** An HTTPRoute, as rendered or as read from the config cluster. */
export interface HttpRoute extends KubernetesObject {
  apiVersion: typeof GATEWAY_API_VERSION;
  kind: 'HTTPRoute';
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: {
    parentRefs?: ParentRef[];
    hostnames?: string[];
    rules?: HttpRouteRule[];
  };
}

/** A Gateway with its listeners. */
export interface Gateway extends KubernetesObject {
  apiVersion: typeof GATEWAY_API_VERSION;
  kind: 'Gateway';
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: {
    gatewayClassName: string;
    listeners: Array<{
      name: string;
      port: number;
      protocol: 'HTTP' | 'HTTPS';
      allowedRoutes?: { namespaces?: { from: 'All' | 'Same' | 'Selector' } };
    }>;
  };
}

/**
 * Why a `PathPrefix` value would be refused by the HTTPRoute CRD's validation, or `undefined` when
 * it is acceptable.
 */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (path.length > ROUTE_LIMITS.pathLength) return `is longer than ${ROUTE_LIMITS.pathLength} characters`;
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (path.includes(bad)) return `must not contain '${bad}'`;
  }
  if (path.endsWith('/..') || path.endsWith('/.')) return "must not end with '/.' or '/..'";
  if (!/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(path)) return 'contains characters a path may not hold';
  return undefined;
}

/** Why a weight is out of the Gateway API range, or `undefined` when it is acceptable. */
export function weightProblem(weight: number): string | undefined {
  return Number.isInteger(weight) && weight >= 0 && weight <= ROUTE_LIMITS.maxWeight
    ? undefined
    : `must be an integer from 0 to ${ROUTE_LIMITS.maxWeight}`;
}
