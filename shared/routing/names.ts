/**
 * Deterministic names for the objects fleetpilot renders: regions from locations, and the
 * per-region and per-cluster Services (and so ServiceExports/ServiceImports) of a routed service.
 */
import { createHash } from 'node:crypto';

/** Longest DNS-1035 label Kubernetes accepts as a Service name. */
export const MAX_LABEL_LENGTH = 63;
/** Label marking every object fleetpilot renders. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Value of {@link MANAGED_BY_LABEL}. */
export const MANAGED_BY = 'fleetpilot';
/** The label selector of every object fleetpilot renders (one list of a kind finds them all). */
export const MANAGED_BY_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
/** Label naming the fleet-wide service a member object belongs to. */
export const SERVICE_LABEL = 'fleetpilot.dev/service';

const ZONE = /^([a-z]+-[a-z]+\d+)-[a-z]$/;
const HASH_LENGTH = 6;

/**
 * The region of a GKE location: a zone such as `asia-northeast1-b` gives `asia-northeast1`; a
 * region (or anything that is not a zone) is returned unchanged.
 */
export function regionOf(location: string): string {
  return ZONE.exec(location)?.[1] ?? location;
}

/**
 * Keeps a name within {@link MAX_LABEL_LENGTH}: a longer name is truncated and suffixed with `-` and
 * the first 6 hex digits of the SHA-256 of the full name, so distinct long names stay distinct and
 * the same input always gives the same output.
 */
export function boundedName(name: string): string {
  if (name.length <= MAX_LABEL_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_LENGTH);
  const prefix = name.slice(0, MAX_LABEL_LENGTH - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${prefix}-${hash}`;
}

/** The Service exported by every cluster of a region, e.g. `store-asia-northeast1`. */
export function regionalServiceName(service: string, region: string): string {
  return boundedName(`${service}-${region}`);
}

/** The Service exported by one cluster only, e.g. `store-mc-gw-tokyo`. */
export function clusterServiceName(service: string, cluster: string): string {
  return boundedName(`${service}-${cluster}`);
}

/** The key of a ServiceImport in {@link RoutingObservation.imports}: `namespace/name`. */
export function importKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
