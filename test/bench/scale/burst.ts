/**
 * Onboarding burst on the scale fleet: one cluster, then ten created at once (through the Container
 * API double, which publishes their audit-log entries); for each, the time from its last audit
 * entry to its onboarding operation finishing with the routes applied, as in bench:onboarding.
 */
import { pollUntil } from '../../../shared/core/retry.ts';
import { operationsFinishedSince } from '../../../sandbox/demo-watch.ts';
import { SCALE_REGIONS } from '../../../sandbox/scale-fleet.ts';
import { SCALE_IMPORT_DELAY_MS, createCluster } from '../../../sandbox/scale-sandbox.ts';
import type { ScaleFleet } from '../../../sandbox/scale-sandbox.ts';
import { median, percentile } from './common.ts';

/** Last audit entry → route applied, in ms. */
export interface BurstFigures {
  singleMs: number;
  ten: number[];
  tenMedianMs: number;
  tenP90Ms: number;
  importDelayMs: number;
}

async function onboard(fleet: ScaleFleet, clusters: { name: string; location: string }[]): Promise<number[]> {
  const since = new Date().toISOString();
  await Promise.all(clusters.map((c) => createCluster(fleet.sandbox, { ...c, region: '', config: false })));
  const ops = await pollUntil(
    async () => {
      const done = (await operationsFinishedSince(fleet.sandbox.adapters, 'cluster-lifecycle', since)).filter(
        (o) => o.startedAt >= since && o.trigger.phase === 'last' && o.result === 'succeeded',
      );
      return clusters.every((c) => done.some((o) => o.subject.endsWith(`/${c.name}`))) ? done : undefined;
    },
    { timeoutMs: 900_000, intervalMs: 500, what: 'every onboarding operation' },
  );
  return clusters.map((c) => {
    const op = ops.find((o) => o.subject.endsWith(`/${c.name}`))!;
    return Date.parse(op.finishedAt!) - Date.parse(String(op.trigger.timestamp));
  });
}

/** One cluster in a new region; then ten at once: one more in each fleet region and two in new regions. */
export async function runBurst(fleet: ScaleFleet, progress: (line: string) => void): Promise<BurstFigures> {
  const [singleMs] = await onboard(fleet, [{ name: 'scale-burst-0', location: 'southamerica-east1-b' }]);
  progress(`  one cluster: ${singleMs} ms from its last audit entry to the route applied`);
  const ten = [...SCALE_REGIONS.map((r) => `${r}-d`), 'me-west1-b', 'northamerica-northeast1-b'].map((location, i) => ({
    name: `scale-burst-${i + 1}`,
    location,
  }));
  const samples = await onboard(fleet, ten);
  progress(`  ten at once: ${samples.join(', ')} ms`);
  return {
    singleMs: singleMs!,
    ten: samples,
    tenMedianMs: median(samples),
    tenP90Ms: percentile(samples, 0.9),
    importDelayMs: SCALE_IMPORT_DELAY_MS,
  };
}
