/**
 * Compaction of the drain facts: history that can no longer change a decision is folded into a
 * small base — the replayed state of every region at a cutoff (drained or not, why and since when,
 * waiting, automatic drains still inside the flap window, freeze, the last hold-down end, the manual
 * hold) and the most recent refusals. The replay then starts from the base, so the facts document
 * and the cost of a render stay bounded however long fleetpilot runs, and the derivation from the
 * compacted facts equals the derivation from the full history at any time after the cutoff.
 */
import type { DeriveInput, FactsBase, RegionBase } from './drain-state.ts';
import { replayDrains, type Replayed } from './derive.ts';
import { foldedIncidentKey, type IncidentFact, type ManualFact, type MergeResult, type RegionFacts } from './facts.ts';
import { incidentSpan } from './timeline.ts';

/** How long a folded manual request id still counts as a duplicate (the idempotency keys' lifetime). */
export const FOLDED_MANUAL_ID_MS = 24 * 3600 * 1000;

/** How long, and how many, folded incident ids are remembered (a week: Pub/Sub's longest retention). */
export const FOLDED_INCIDENT_ID_MS = 7 * 24 * 3600 * 1000;
export const FOLDED_INCIDENT_IDS = 4000;

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether every moment of an incident is at or before `cutoff` (an incident still open never is). */
function settled(fact: IncidentFact, cutoff: number, holdDownMs: number): boolean {
  const span = incidentSpan(fact, holdDownMs);
  if (!span) return true;
  return span.closed && span.openAt <= cutoff && span.closeAt <= cutoff && span.release <= cutoff;
}

function regionBase(
  r: Replayed,
  previous: RegionBase | undefined,
  kept: RegionFacts,
  folded: { incidents: IncidentFact[]; manual: ManualFact[] },
  input: { cutoff: number; windowMs: number; holdDownMs: number },
): RegionBase {
  const releases = folded.incidents.map((f) => incidentSpan(f, input.holdDownMs)).flatMap((span) => (span?.closed ? [span.release] : []));
  if (previous?.releaseAt) releases.push(Date.parse(previous.releaseAt));
  const holdFact =
    r.holdId === undefined || r.holdId === 'base' ? undefined : [...folded.manual, ...kept.manual].find((m) => m.id === r.holdId);
  const hold = holdFact
    ? { id: holdFact.id, at: holdFact.at, by: holdFact.by, reason: holdFact.reason }
    : r.holdId === 'base'
      ? previous?.hold
      : undefined;
  return {
    drained: r.drained,
    ...(r.drained && r.cause ? { cause: r.cause } : {}),
    ...(r.drained && r.since !== undefined ? { since: iso(r.since) } : {}),
    waiting: r.waiting,
    autoDrains: r.autoDrains.filter((t) => t > input.cutoff - input.windowMs).map(iso),
    ...(r.frozen && r.frozen.until > input.cutoff ? { frozen: { until: iso(r.frozen.until), reason: r.frozen.reason } } : {}),
    ...(releases.length > 0 ? { releaseAt: iso(Math.max(...releases)) } : {}),
    ...(hold ? { hold } : {}),
    ...(hold && r.override ? { override: r.override } : {}),
    ...(!r.drained && r.restoredAt !== undefined ? { restoredAt: iso(r.restoredAt) } : {}),
    folded: {
      incidents: (previous?.folded.incidents ?? 0) + folded.incidents.length,
      manual: (previous?.folded.manual ?? 0) + folded.manual.length,
    },
  };
}

/**
 * Folds every fact whose moments all lie at or before `cutoff` into the base. Unchanged (and the
 * same object) when nothing is old enough to fold. The services and policy must be the ones the
 * renders use: the base records the decisions the replay made with them.
 */
export function compactFacts(input: DeriveInput & { cutoff: Date }): MergeResult {
  const { facts } = input;
  const cutoff = input.cutoff.getTime();
  if (Number.isNaN(cutoff)) throw new RangeError('compactFacts: cutoff is not a valid time');
  if (facts.base && Date.parse(facts.base.at) >= cutoff) return { facts, changed: false };
  const holdDownMs = input.policy.holdDownSeconds * 1000;
  const folded = new Map<string, { incidents: IncidentFact[]; manual: ManualFact[] }>();
  const kept: Record<string, RegionFacts> = {};
  let count = 0;
  for (const [region, rf] of Object.entries(facts.regions)) {
    const out = { incidents: [] as IncidentFact[], manual: [] as ManualFact[] };
    const incidents = Object.fromEntries(
      Object.entries(rf.incidents).filter(([, f]) => !(settled(f, cutoff, holdDownMs) && out.incidents.push(f))),
    );
    const manual = rf.manual.filter((m) => !(Date.parse(m.learnedAt ?? m.at) <= cutoff && out.manual.push(m)));
    count += out.incidents.length + out.manual.length;
    folded.set(region, out);
    if (Object.keys(incidents).length > 0 || manual.length > 0) kept[region] = { incidents, manual };
  }
  if (count === 0) return { facts, changed: false };

  const replay = replayDrains({ ...input, now: input.cutoff });
  const previous = facts.base;
  const windowMs = input.policy.flapBudget.windowSeconds * 1000;
  const regions: Record<string, RegionBase> = {};
  for (const [name, r] of replay.regions) {
    const region = regionBase(
      r,
      previous && Object.hasOwn(previous.regions, name) ? previous.regions[name] : undefined,
      kept[name] ?? { incidents: {}, manual: [] },
      folded.get(name) ?? { incidents: [], manual: [] },
      { cutoff, windowMs, holdDownMs },
    );
    regions[name] = region;
  }
  const foldedManual = Object.fromEntries(
    [
      ...Object.entries(previous?.foldedManual ?? {}),
      ...[...folded.values()].flatMap((f) => f.manual.map((m): [string, string] => [m.id, m.learnedAt ?? m.at])),
    ].filter(([, at]) => Date.parse(at) > cutoff - FOLDED_MANUAL_ID_MS),
  );
  const incidentIds = [
    ...Object.entries(previous?.foldedIncidents ?? {}),
    ...[...folded].flatMap(([region, f]) =>
      f.incidents.map((i): [string, string] => [foldedIncidentKey(region, i.incidentId), i.learnedAt ?? i.openedAt]),
    ),
  ]
    .filter(([, at]) => Date.parse(at) > cutoff - FOLDED_INCIDENT_ID_MS)
    .sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]))
    .slice(-FOLDED_INCIDENT_IDS);
  const base: FactsBase = {
    at: iso(cutoff),
    regions,
    refusals: replay.refusals,
    foldedManual,
    foldedIncidents: Object.fromEntries(incidentIds),
  };
  return { facts: { ...facts, regions: kept, base }, changed: true };
}
