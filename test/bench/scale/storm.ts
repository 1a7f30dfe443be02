/**
 * The alert storm: every notification of {@link stormMessages} published at once. Measures the
 * messages handled per second (each message's operation record finished, retries excluded), the
 * time until the routes last became what the time-ordered outcome says, and whether the final routes
 * equal both that outcome and the derivation from the facts fleetpilot stored.
 */
import { readFacts } from '../../../shared/failover/index.ts';
import { createKubeAdapter } from '../../../shared/adapters/kube.ts';
import { observeRouting } from '../../../shared/routing/apply-routes.ts';
import { operationsFinishedSince } from '../../../sandbox/demo-watch.ts';
import { type LiveRoute } from '../../../sandbox/scale-converge.ts';
import { SCALE_CONFIG_CLUSTER, SCALE_SERVICE_LIST } from '../../../sandbox/scale-fleet.ts';
import { inBatches, type ScaleFleet } from '../../../sandbox/scale-sandbox.ts';
import { sleep } from './common.ts';
import { expectedRoutes, routeShape, stormMessages, timeOrderedFacts } from './storm-plan.ts';

/** What the storm showed. */
export interface StormFigures {
  messages: number;
  handled: number;
  handledMs: number;
  messagesPerSecond: number;
  /** Publish start → the routes last became the expected ones; NaN when they never did. */
  routesFinalMs: number;
  exact: boolean;
  /** The final routes equal the derivation from fleetpilot's stored facts. */
  matchesStoredFacts: boolean;
  /** What the Firestore emulator alone takes just before the storm: small document writes per second, {@link PROBE_IN_FLIGHT} at once. */
  storeWritesPerSecond: number;
  mismatches: string[];
}

const HANDLE_TIMEOUT_MS = 600_000;
/** How far back each poll reads before the previous one: a record's finish time is set before it is written. */
const POLL_MARGIN_MS = 10_000;

/** Writes of the emulator probe, and how many at once (the function's instances). */
const PROBE_WRITES = 400;
const PROBE_IN_FLIGHT = 20;

/**
 * Small document writes per second the Firestore emulator takes with nothing of fleetpilot's in
 * them: every notification makes several round trips to it, so this bounds the storm's rate here.
 */
async function probeStoreWrites(store: ScaleFleet['sandbox']['adapters']['store']): Promise<number> {
  const started = performance.now();
  const ids = Array.from({ length: PROBE_WRITES }, (_, i) => `probe-${i}`);
  await inBatches(ids, PROBE_IN_FLIGHT, (id) => store.set('benchProbe', id, { id, at: new Date().toISOString() }));
  const rate = PROBE_WRITES / ((performance.now() - started) / 1000);
  await inBatches(ids, PROBE_IN_FLIGHT, (id) => store.delete('benchProbe', id));
  return Math.round(rate);
}

/** Publishes the storm and waits for it to be handled (at most 10 minutes). */
export async function runStorm(fleet: ScaleFleet, size: number, progress: (line: string) => void): Promise<StormFigures> {
  const { adapters } = fleet.sandbox;
  const config = await fleet.fleetpilot.config();
  const configKube = createKubeAdapter(fleet.kubeConfig(SCALE_CONFIG_CLUSTER.name), 'bench-storm');
  const observed = await observeRouting({ container: adapters.container, store: adapters.store, configKube }, config);
  const messages = stormMessages(size, fleet.sandbox.config.FLEETPILOT_PROJECT_ID, Date.now(), Date.now().toString(36));
  const expected = expectedRoutes(config, observed, timeOrderedFacts(messages), new Date());
  const key = (s: (typeof SCALE_SERVICE_LIST)[number]) => `${s.namespace}/${s.name}`;
  const matches = (routes: ReadonlyMap<string, LiveRoute>, want: Map<string, string | null>) =>
    SCALE_SERVICE_LIST.filter((s) => want.get(key(s)) !== null && want.get(key(s)) !== routeShape(routes.get(key(s))));
  let matchSince: number | undefined;
  const unsubscribe = fleet.watches.routes.onChange((routes, at) => {
    if (matches(routes, expected).length > 0) matchSince = undefined;
    else matchSince ??= at;
  });
  const storeWritesPerSecond = await probeStoreWrites(adapters.store);
  progress(`  the Firestore emulator alone: ${storeWritesPerSecond} small writes/s, ${PROBE_IN_FLIGHT} at once`);
  try {
    const t0 = Date.now();
    const ids = new Set<string>();
    await inBatches(messages, 100, async (m) => ids.add(await adapters.pubsub.publish('healthAlerts', m.payload)));
    progress(`  published ${messages.length} notifications in ${Date.now() - t0} ms; waiting for them to be handled`);
    let handled = 0;
    let lastFinished = t0;
    const done = new Map<string, number>();
    // Each poll reads what finished since the last one (less a margin for records written late).
    let since = new Date(t0).toISOString();
    for (let next = Date.now() + 10_000; Date.now() - t0 < HANDLE_TIMEOUT_MS; await sleep(2_000)) {
      const polled = Date.now();
      for (const o of await operationsFinishedSince(adapters, 'health-alert', since)) {
        if (ids.has(String(o.trigger.messageId)) && o.result !== 'retrying')
          done.set(String(o.trigger.messageId), Date.parse(o.finishedAt!));
      }
      since = new Date(polled - POLL_MARGIN_MS).toISOString();
      handled = done.size;
      lastFinished = Math.max(t0, ...done.values());
      if (handled >= ids.size) break;
      if (Date.now() > next) {
        progress(`  … ${Math.round((Date.now() - t0) / 1000)} s: ${handled}/${ids.size} handled`);
        next = Date.now() + 10_000;
      }
    }
    const handledMs = lastFinished - t0;
    progress(`  ${handled}/${ids.size} handled in ${handledMs} ms; waiting for the routes to settle`);
    await fleet.watches.routes.until((r) => matches(r, expected).length === 0, 30_000, 'the expected routes').catch(() => undefined);
    await sleep(3_000);
    const live = fleet.watches.routes.objects();
    const mismatches = matches(live, expected).map((s) => key(s));
    const stored = expectedRoutes(config, observed, await readFacts(adapters.store), new Date());
    const matchesStoredFacts = matches(live, stored).length === 0;
    const routesFinalMs = mismatches.length === 0 && matchSince !== undefined ? matchSince - t0 : Number.NaN;
    if (mismatches.length > 0) progress(`  routes differing from the time-ordered outcome: ${mismatches.join(', ')}`);
    return {
      messages: messages.length,
      handled,
      handledMs,
      messagesPerSecond: Math.round((handled / Math.max(1, handledMs)) * 1000 * 10) / 10,
      routesFinalMs,
      exact: handled === ids.size && mismatches.length === 0 && matchesStoredFacts,
      matchesStoredFacts,
      mismatches,
      storeWritesPerSecond,
    };
  } finally {
    unsubscribe();
  }
}
