/**
 * What the istiod contract tests share: the store Pods' IPs and readers of a sidecar's endpoint
 * assignment.
 */
import { templateNodes } from '../../sandbox/cluster-template.ts';
import { storeReplicas } from '../../sandbox/store-pods.ts';
import type { ProbeAssignment } from '../../sandbox/xds-probe.ts';

/** The store service's outbound cluster, as a sidecar names it. */
export const STORE = 'outbound|8080||store.store.svc.cluster.local';

/** The store Pods' IPs in a sandbox cluster, as its cluster template created them. */
export const podIps = (cluster: string): string[] =>
  storeReplicas(
    cluster,
    templateNodes(cluster).map((n) => n.metadata!.name!),
  )
    .map((r) => r.ip)
    .sort();

/** `ADDRESS` of every endpoint a sidecar is sent in `region`. */
export const addresses = (a: ProbeAssignment, region: string): string[] =>
  a.localities
    .filter((l) => l.region === region)
    .flatMap((l) => l.endpoints.map((e) => e.address))
    .sort();

/** `ADDRESS:PORT` of every endpoint a sidecar is sent in `region`. */
export const endpoints = (a: ProbeAssignment, region: string): string[] =>
  a.localities
    .filter((l) => l.region === region)
    .flatMap((l) => l.endpoints.map((e) => `${e.address}:${e.port}`))
    .sort();

/** Each region's priority (0 is tried first). */
export const priorities = (a: ProbeAssignment): Record<string, number> =>
  Object.fromEntries(a.localities.map((l) => [l.region, l.priority]));

/** The regions a sidecar may send to: some weight and some endpoint. */
export const serving = (a: ProbeAssignment): string[] =>
  a.localities
    .filter((l) => l.weight > 0 && l.endpoints.length > 0)
    .map((l) => l.region)
    .sort();
