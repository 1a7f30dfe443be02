/**
 * The fleet as people see it: every cluster with its Container status (or, attached and on-prem
 * clusters, its membership state), fleet membership and onboarding phase; every region with its drain state, open incidents, manual hold and traffic.
 * Read-only; derived with the same planner the flows use.
 */
import { readDrainSnapshot, regionFacts, type IncidentFact, type ManualFact } from '../failover/index.ts';
import type { FleetContext } from '../core/context.ts';
import { placeClusters, regionOf, regionalServiceName } from '../routing/index.ts';
import { clusterRecordId, recordKind, type ClusterKind, type ClusterPhase, type ClusterRecord } from '../state/cluster-records.ts';
import { planFleet } from '../routing/index.ts';
import { readSnapshot } from '../routing/index.ts';

/** One cluster. */
export interface ClusterView {
  projectId: string;
  location: string;
  name: string;
  region: string;
  /** `gke` (in the Container API) or `attached` (attached or on-prem, reached through Connect Gateway). */
  kind: ClusterKind;
  /** fleetpilot's phase; `not-onboarded` for a cluster it has no record of. */
  phase: ClusterPhase | 'not-onboarded';
  reason: string | null;
  /**
   * Container API status of a GKE cluster (`null` when it no longer exists); for an attached cluster,
   * which the Container API does not know, its membership's state (`null` when unregistered).
   */
  status: string | null;
  membership: string | null;
  /** The membership's `state.code` in the fleet; `null` without a membership. */
  membershipState: string | null;
  updatedAt: string | null;
  operationId: string | null;
}

/** One region. */
export interface RegionView {
  region: string;
  /** Not drained and at least one cluster serving. */
  serving: boolean;
  drained: boolean;
  cause: 'alert' | 'manual' | null;
  since: string | null;
  restoreAt: string | null;
  frozenUntil: string | null;
  clusters: string[];
  openIncidents: IncidentFact[];
  /** The manual drain holding the region, while one does. */
  manualHold: ManualFact | null;
  /** The guard that drain overrode (break glass), while it holds. */
  override: string | null;
  /** A restored or newly joined region coming back in steps (`safety.ramp`): its share of its baseline now. */
  ramp: { percent: number; nextStepAt: string } | null;
  /** An alert drain the capacity guard holds back (the region keeps serving): why. */
  waitingForCapacity: string | null;
  /** An alert drain applied in part (`safety.capacity.mode: partial`): the percent of its weight the region keeps, and why. */
  partial: { percent: number; reason: string } | null;
  /** Live share (0..1) of each service's default traffic going to this region. */
  traffic: Record<string, number>;
}

/** The whole view. */
export interface FleetView {
  clusters: ClusterView[];
  regions: RegionView[];
  observedAt: string;
}

/**
 * One recorded cluster as people see it (pure): a GKE cluster with its Container status, an
 * attached one with its membership state in that place.
 */
export function recordView(r: ClusterRecord, containerStatus: string | null, membershipState: string | null): ClusterView {
  const kind = recordKind(r);
  return {
    projectId: r.projectId,
    location: r.location,
    name: r.name,
    region: r.region,
    kind,
    phase: r.phase,
    reason: r.reason ?? null,
    status: kind === 'attached' ? membershipState : containerStatus,
    membership: r.membership ?? null,
    membershipState,
    updatedAt: r.updatedAt,
    operationId: r.operationId ?? null,
  };
}

/** Reads the fleet view. */
export async function readFleetView(deps: FleetContext): Promise<FleetView> {
  const snapshot = await readSnapshot(deps);
  const { records, clusters: live } = snapshot.reads;
  // Every location: attached clusters' memberships may live elsewhere than GKE ones.
  const memberships = await deps.hub.listMemberships('-');
  const membershipState = new Map(memberships.map((m) => [m.name, m.state?.code ?? null]));
  const liveById = new Map(live.map((c) => [clusterRecordId(c), c]));
  const clusters: ClusterView[] = records.map((r) =>
    recordView(r, liveById.get(clusterRecordId(r))?.status ?? null, r.membership ? (membershipState.get(r.membership) ?? null) : null),
  );
  const recorded = new Set(records.map(clusterRecordId));
  for (const c of live) {
    if (recorded.has(clusterRecordId(c))) continue;
    const membership = c.fleetMembership ?? null;
    clusters.push({
      projectId: c.projectId,
      location: c.location,
      name: c.name,
      region: regionOf(c.location),
      kind: 'gke',
      phase: 'not-onboarded',
      reason: null,
      status: c.status,
      membership,
      membershipState: membership ? (membershipState.get(membership) ?? null) : null,
      updatedAt: null,
      operationId: null,
    });
  }
  clusters.sort((a, b) => clusterRecordId(a).localeCompare(clusterRecordId(b)));

  const plan = planFleet(snapshot);
  // What the last render applied: an alert drain the capacity guard holds back is not in it.
  const rendered = snapshot.config.safety.capacity ? await readDrainSnapshot(deps.store) : undefined;
  // Each cluster in the region the route planner places it in (by location and name).
  const { placed } = placeClusters(snapshot.observed.clusters);
  const regions = Object.values(plan.drains.regions).map((state): RegionView => {
    const members = placed.filter((c) => c.region === state.region);
    const facts = regionFacts(snapshot.facts, state.region);
    const folded = snapshot.facts.base?.regions[state.region]?.hold;
    const lastDrain =
      facts.manual.filter((m) => m.action === 'drain').at(-1) ??
      (folded ? { ...folded, region: state.region, action: 'drain' as const } : null);
    const hold = state.drained && state.cause === 'manual' ? lastDrain : null;
    const traffic = Object.fromEntries(
      plan.routes.map((r) => [r.service, r.shares.live[regionalServiceName(r.service, state.region)] ?? 0]),
    );
    const held = rendered && state.drained && state.cause === 'alert' && rendered.regions[state.region]?.drained === false;
    const waiting = held ? rendered.refusals.filter((r) => r.region === state.region && r.guard === 'capacity').at(-1) : undefined;
    const drained = state.drained && !held;
    const partial = held ? (rendered.regions[state.region]?.partial ?? null) : null;
    return {
      region: state.region,
      serving: !drained && members.some((c) => c.phase === 'serving'),
      drained,
      cause: state.cause ?? null,
      since: state.since ?? null,
      restoreAt: state.restoreAt ?? null,
      frozenUntil: state.frozen?.until ?? null,
      clusters: members.map((c) => c.name),
      openIncidents: state.openIncidents.map((id) => facts.incidents[id]!).filter(Boolean),
      manualHold: hold,
      override: state.override ?? null,
      ramp: state.ramp ? { percent: state.ramp.percent, nextStepAt: state.ramp.nextStepAt } : null,
      waitingForCapacity: held && !partial ? (waiting?.reason ?? 'held back by the capacity guard') : null,
      partial,
      traffic,
    };
  });
  return { clusters, regions, observedAt: snapshot.now.toISOString() };
}
