/**
 * What the route renderer needs to know about the live fleet. Built by the caller from reads of the
 * fleet and of the config cluster; a failed read must never be turned into an empty observation.
 */

/** A member cluster as routing sees it. */
export interface ObservedCluster {
  /** Cluster name, e.g. `mc-gw-tokyo`. */
  name: string;
  /** GKE location (zone or region), e.g. `asia-northeast1-b`. */
  location: string;
  /** Region of {@link location}, e.g. `asia-northeast1`. */
  region: string;
  /** `leaving`: the cluster is being deleted and must leave routing. */
  phase: 'serving' | 'leaving';
  /** Set for an attached or on-prem cluster (not in the Container API; reached through Connect Gateway). */
  kind?: 'attached';
  /** An attached cluster's full membership name (how Connect Gateway reaches it). */
  membership?: string;
  /** When fleetpilot onboarded it (ISO), when recorded: a new region's ramp starts there. */
  onboardedAt?: string;
}

/** The observed fleet: its clusters and the ServiceImports present on the config cluster. */
export interface RoutingObservation {
  clusters: readonly ObservedCluster[];
  /** `namespace/name` of every ServiceImport present on the config cluster. */
  imports: ReadonlySet<string>;
}
