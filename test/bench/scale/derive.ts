/**
 * Derivation cost against history size: `deriveDrains` (shared/failover) over 100, 1,000 and 10,000
 * incident facts spread over the scale fleet's 8 regions, for its 50 services. Pure and in-process:
 * the median of 11 runs after a warm-up.
 */
import type { FleetConfig } from '../../../shared/config/fleet-config.ts';
import { deriveDrains, type FleetFacts, type IncidentFact } from '../../../shared/failover/index.ts';
import { SCALE_REGIONS, SCALE_SERVICE_LIST } from '../../../sandbox/scale-fleet.ts';
import { median } from './common.ts';

/** The history sizes measured. */
export const HISTORY_SIZES = [100, 1_000, 10_000] as const;

/** `count` facts ending at `now`: incidents one second apart, round-robin over the regions; the last few still open. */
export function syntheticFacts(count: number, now: Date): FleetFacts {
  const regions: FleetFacts['regions'] = {};
  const start = now.getTime() - count * 1_000 - 60_000;
  for (let i = 0; i < count; i++) {
    const region = SCALE_REGIONS[i % SCALE_REGIONS.length]!;
    const opened = start + i * 1_000;
    const open = count - i <= 3;
    const fact: IncidentFact = {
      incidentId: `hist-${i}`,
      region,
      openedAt: new Date(opened).toISOString(),
      learnedAt: new Date(opened + 50).toISOString(),
      seq: 2 * i + 1,
      ...(open
        ? {}
        : { closedAt: new Date(opened + 700).toISOString(), closeLearnedAt: new Date(opened + 750).toISOString(), closeSeq: 2 * i + 2 }),
    };
    const rf = (regions[region] ??= { incidents: {}, manual: [] });
    rf.incidents[fact.incidentId] = fact;
  }
  return { regions, seq: 2 * count, learnedAt: now.toISOString() };
}

/** Median milliseconds of one derivation per history size. */
export function measureDerive(config: FleetConfig): Record<number, number> {
  const services = SCALE_SERVICE_LIST.map((s) => ({ name: s.name, regions: SCALE_REGIONS }));
  const now = new Date();
  const result: Record<number, number> = {};
  for (const size of HISTORY_SIZES) {
    const facts = syntheticFacts(size, now);
    const input = { facts, services, policy: config.safety, now };
    deriveDrains(input);
    const runs = Array.from({ length: 11 }, () => {
      const started = performance.now();
      deriveDrains(input);
      return performance.now() - started;
    });
    result[size] = Math.round(median(runs) * 100) / 100;
  }
  return result;
}
