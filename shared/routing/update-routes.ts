/**
 * Re-renders every route from what is observed now, under the config cluster's route lease. Runs
 * that find the lease taken hand their render to the holder (see render-lease.ts).
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import {
  checkpointFactLog,
  compactStoredFacts,
  deriveDrains,
  drainOverlay,
  describeCapacity,
  holdForCapacity,
  readDrainSnapshot,
  readFactsWithLog,
  writeDrainSnapshot,
  type FleetDrainState,
} from '../failover/index.ts';
import { readCapacity } from './capacity-read.ts';
import type { KubeAdapter } from '../adapters/kube.ts';
import { TransientError } from '../core/errors.ts';
import { observeRegions } from './region-state.ts';
import type { RoutingObservation } from './observation.ts';
import { configClusterKube } from './config-kube.ts';
import { applyMeshDrains } from '../mesh/index.ts';
import { ROUTE_STEPS } from './steps.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { Needs } from '../core/context.ts';
import { readRoutingInputs, reconcileRoutes, routingObservation, type RoutesOutcome } from './apply-routes.ts';
import { claimRender, type Rendered } from './render-lease.ts';
import type { ServiceRegions } from '../failover/index.ts';

/** What a route render needs: the reads routing observes, the facts, the config cluster and its lease. */
export type RoutesContext = Needs<'container' | 'kubeFor' | 'store' | 'config' | 'clock' | 'sleep' | 'instanceId'>;

/** How long a render waits for the route lease: events wait; the tick does not (the next tick is its retry). */
export interface RenderOptions {
  leaseWaitMs?: number;
}

/** True for the error of a run (not waiting) whose render was handed to the route lease holder. */
export function isHandedOver(error: unknown): boolean {
  return error instanceof TransientError && error.details.handedOver === true;
}

/** The route lease's time: a holder that dies blocks renders this long at most. */
export const ROUTE_LEASE_MS = 60_000;

/** What a render returns: what it wrote, and the drains it rendered. */
export type RenderOutcome = RoutesOutcome & { drains: FleetDrainState };

/** The route lease of the configured config cluster. */
export function routeLeaseKey(config: FleetConfig): string {
  return `routes:${config.fleet.configCluster.location}:${config.fleet.configCluster.name}`;
}

/**
 * Observes, plans and applies routes; records the plan and the outcome on `op`. A run that finds
 * the lease taken marks the routes dirty and waits (up to `leaseWaitMs`) for the holder's next pass,
 * which began after the mark and so after whatever this run wrote before; the tick does not wait.
 */
export async function updateRoutes(
  deps: RoutesContext,
  op: OperationRecorder,
  requested: FleetConfig,
  options: RenderOptions = {},
): Promise<RenderOutcome> {
  // Reaching the config cluster overlaps the lease; a run that hands its render over never needs it.
  const configKube = configClusterKube(deps, requested);
  configKube.catch(() => undefined);
  const lease = {
    key: routeLeaseKey(requested),
    holder: `${deps.instanceId}:${op.id}`,
    ttlMs: ROUTE_LEASE_MS,
    waitMs: options.leaseWaitMs ?? 30_000,
  };
  let passes = 0;
  const pass = async () => {
    const { value, after } = await renderPass(deps, op, configKube, passes++ === 0);
    return { value, after, summary: { operationId: op.id, changed: value.changed, drains: value.drains } };
  };
  const claim = await claimRender(deps, lease, pass);
  if (claim.held) return rendered(op, await claim.hold());
  if (lease.waitMs <= 0)
    throw new TransientError(`${lease.key} is being worked on by another instance; it renders again for this run`, {
      lease: lease.key,
      handedOver: true,
    });
  const turn = await op.step(ROUTE_STEPS.applyRoutes, claim.wait, (t) =>
    t.rendered
      ? { detail: 'rendered here: the holder let go without covering this run' }
      : {
          outcome: t.pass!.changed.length > 0 ? 'done' : 'unchanged',
          detail: `applied by operation ${t.pass!.operationId}, which held the route lease (this run's render was handed to it): ${t.pass!.changed.join('; ') || 'routes already match'}`,
        },
  );
  if (turn.rendered) return rendered(op, turn);
  const covering = turn.pass!;
  op.plan([`routes rendered by operation ${covering.operationId} (this run's render was handed to it)`, ...covering.changed]);
  return { changed: covering.changed, explanation: [], problems: [], drains: covering.drains };
}

function rendered(op: OperationRecorder, turn: Rendered<RenderOutcome>): RenderOutcome {
  if (turn.passes > 1)
    op.note(ROUTE_STEPS.renderedAgain, 'done', `${turn.passes} passes; ${turn.covered} run(s) handed their render to this one`);
  return turn.value;
}

/** One pass: every read at once (configuration, clusters, ServiceImports, facts), derive, write routes, then the mesh. */
async function renderPass(
  deps: RoutesContext,
  op: OperationRecorder,
  reachConfigCluster: Promise<KubeAdapter>,
  first: boolean,
): Promise<{ value: RenderOutcome; after: () => Promise<void> }> {
  const configKube = await reachConfigCluster;
  // Everything is read inside the lease: the last pass always renders from the newest facts and
  // from the newest revision (a run that waited must not render one a newer push replaced).
  const [config, reads, { facts, log: listed }] = await op.step(
    ROUTE_STEPS.observe,
    () =>
      Promise.all([
        deps.config(),
        readRoutingInputs({ container: deps.container, store: deps.store, configKube }),
        readFactsWithLog(deps.store),
      ]),
    ([, reads]) => ({ detail: `${reads.records.length} cluster records, ${reads.imports.length} ServiceImports` }),
  );
  const observed = routingObservation(reads, config);
  const services = routedServices(config, observed);
  // One instant for the drains and the ramps the overlay adds, so a ramp step matches the derived state.
  const now = deps.clock.now();
  const derived = await op.step(
    ROUTE_STEPS.deriveDrains,
    async () => deriveDrains({ facts, services, policy: config.safety, now }),
    (d) => ({ detail: describeDrains(d) }),
  );
  const drains = config.safety.capacity ? await capacityStep(deps, op, config, observed, services, derived, reads.clusters) : derived;
  const overlay = drainOverlay(drains, config.safety.pinnedPathsOnDrain, {
    clusters: observed.clusters,
    ramp: config.safety.ramp,
    now,
  });
  const outcome = await op.step(
    ROUTE_STEPS.applyRoutes,
    () => reconcileRoutes(configKube, config, observed, overlay),
    (o) => ({ outcome: o.changed.length > 0 ? 'done' : 'unchanged', detail: o.changed.join('; ') || 'routes already match' }),
  );
  await writeDrainSnapshot(deps.store, drains, deps.clock.now(), op.id);
  const refusals = drains.refusals.map((r) => `refused: ${r.reason} (${r.guard})`);
  op.plan(first ? [...outcome.explanation, ...outcome.changed, ...refusals] : outcome.changed);
  for (const problem of outcome.problems) op.note(ROUTE_STEPS.routeRefused, 'failed', problem);
  // Runs that handed their render over are told once the routes are written; the mesh follows the
  // same drains after the Gateway path (what failover time is measured on), still under the lease.
  const after = async () => {
    await applyMeshDrains(deps, op, config, observed, overlay, reads.clusters);
    // The log is folded into the facts document first, so that compaction sees every fact.
    const log = await checkpointFactLog(deps.store, listed);
    if (log.malformed.length > 0)
      op.note(ROUTE_STEPS.compactFacts, 'failed', `fact log documents that are not facts, left in place: ${log.malformed.join(', ')}`);
    // Folding old history keeps the facts document and the replay bounded; the derivation is unchanged by it.
    const folded = await compactStoredFacts(deps.store, { services, policy: config.safety, now: deps.clock.now() }, facts);
    if (folded > 0) op.note(ROUTE_STEPS.compactFacts, 'done', `${folded} settled facts folded into the history base`);
  };
  return { value: { ...outcome, drains }, after };
}

/** The capacity guard over the alert drains this render would apply first (see {@link holdForCapacity}). */
async function capacityStep(
  deps: RoutesContext,
  op: OperationRecorder,
  config: FleetConfig,
  observed: RoutingObservation,
  services: ServiceRegions[],
  derived: FleetDrainState,
  clusters: Parameters<typeof readCapacity>[3],
): Promise<FleetDrainState> {
  const headroom = config.safety.capacity!.headroomPercent;
  return op
    .step(
      ROUTE_STEPS.capacity,
      async () => {
        const [{ capacity, unread }, last] = await Promise.all([
          readCapacity(deps, config, observed, clusters),
          readDrainSnapshot(deps.store),
        ]);
        const applied = new Set(
          Object.values(last?.regions ?? {})
            .filter((r) => r.drained)
            .map((r) => r.region),
        );
        // Percents kept at the last render: a partial drain only ever moves more.
        const previous = new Map(Object.values(last?.regions ?? {}).flatMap((r) => (r.partial ? [[r.region, r.partial.percent]] : [])));
        const partial = config.safety.capacity!.mode === 'partial' ? { previous } : undefined;
        const held = holdForCapacity(derived, applied, services, capacity, headroom, deps.clock.now(), partial);
        const parts = Object.values(held.regions).flatMap((r) =>
          r.partial ? [`${r.region} partly drained, keeps ${r.partial.percent}% of its weight: ${r.partial.reason}`] : [],
        );
        const waiting = held.refusals.slice(derived.refusals.length).map((r) => `${r.region} waits: ${r.reason}`);
        return {
          held,
          lines: [...waiting, ...parts, ...describeCapacity(capacity), ...(unread.length > 0 ? [`not read: ${unread.join(', ')}`] : [])],
        };
      },
      ({ lines }) => ({ detail: lines.join(' | ') || 'no Deployment found: not guarded' }),
    )
    .then((r) => r.held);
}

function describeDrains(state: FleetDrainState): string {
  const drained = Object.values(state.regions)
    .filter((r) => r.drained)
    .map((r) => `${r.region} (${r.cause ?? 'alert'})`);
  const parts = [drained.length > 0 ? `drained: ${drained.join(', ')}` : 'no region drained'];
  const ramping = Object.values(state.regions).flatMap((r) =>
    r.ramp ? [`${r.region} at ${r.ramp.percent}% until ${r.ramp.nextStepAt}`] : [],
  );
  if (ramping.length > 0) parts.push(`ramping: ${ramping.join(', ')}`);
  if (state.refusals.length > 0) parts.push(`${state.refusals.length} refused`);
  return parts.join('; ');
}

/** Each service with the regions it can route to now (drained ones included): what the guards count. */
export function routedServices(config: FleetConfig, observed: RoutingObservation): ServiceRegions[] {
  return config.services.map((s) => ({
    name: s.name,
    regions: observeRegions(s, observed)
      .filter((r) => r.ready)
      .map((r) => r.region),
  }));
}
