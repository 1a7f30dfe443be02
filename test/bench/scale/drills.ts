/**
 * Drain drills on the scale fleet: an alert for one region is published, then the bench waits for
 * all 50 HTTPRoutes to carry weight 0 for it (the config cluster's watch), for the data plane to
 * load every drained route, and for every member's drain-aware DestinationRules; then the alert
 * closes and the drill waits for the restore. Regions alternate from drill to drill.
 */
import type { DataPlane } from '../../../sandbox/data-plane/data-plane.ts';
import { monitoringNotification } from '../../../sandbox/monitoring-incidents.ts';
import { allRules, regionDrained, routesServing, rulesFor, scaleRoutes } from '../../../sandbox/scale-converge.ts';
import { SCALE_MEMBERS, SCALE_REGIONS } from '../../../sandbox/scale-fleet.ts';
import type { ScaleFleet } from '../../../sandbox/scale-sandbox.ts';
import { progress } from './common.ts';

/** One drill's figures (ms after the alert was published). */
export interface DrillSample {
  region: string;
  routesMs: number;
  dataPlaneMs: number;
  meshMs: number;
  restoreMs: number;
}

/** Publishes an open or closed notification for a member cluster of `region`. */
export async function publishAlert(
  fleet: ScaleFleet,
  incidentId: string,
  region: string,
  state: 'open' | 'closed',
  startedAt: Date,
  endedAt?: Date,
) {
  const cluster = SCALE_MEMBERS.find((c) => c.region === region)!;
  await fleet.sandbox.adapters.pubsub.publish(
    'healthAlerts',
    monitoringNotification({
      incidentId,
      state,
      startedAt,
      ...(endedAt ? { endedAt } : {}),
      cluster: cluster.name,
      location: cluster.location,
      projectId: fleet.sandbox.config.FLEETPILOT_PROJECT_ID,
    }),
  );
}

/** Resolves at the time (epoch ms) the data plane had loaded every route at least at the generation it has now. */
export async function dataPlaneLoaded(fleet: ScaleFleet, dataPlane: DataPlane, timeoutMs: number): Promise<number> {
  const wanted = scaleRoutes(fleet.watches.routes.objects()).map(
    (r) => [`${r?.metadata?.namespace}/${r?.metadata?.name}`, r?.metadata?.generation ?? 0] as const,
  );
  const loaded = (generations: Record<string, number>) => wanted.every(([key, gen]) => (generations[key] ?? 0) >= gen);
  const last = dataPlane.lastReload();
  if (last && loaded(last.generations)) return last.at.getTime();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`the data plane did not load every drained route within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const unsubscribe = dataPlane.onReload((reload) => {
      if (!loaded(reload.generations)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(reload.at.getTime());
    });
  });
}

/** Runs `count` drills, alternating regions; each waits for the fleet to be back at baseline first. */
export async function runDrills(fleet: ScaleFleet, dataPlane: DataPlane, count: number): Promise<DrillSample[]> {
  const { routes } = fleet.watches;
  const samples: DrillSample[] = [];
  const run = Date.now().toString(36);
  for (let i = 0; i < count; i++) {
    const region = SCALE_REGIONS[(i * 3) % SCALE_REGIONS.length]!;
    await routes.until(routesServing(SCALE_REGIONS), 120_000, 'every route to serve every region before the drill');
    await allRules(fleet.watches, rulesFor(undefined), 120_000, 'the configured mesh rules before the drill');
    const id = `scale-drill-${run}-${i}`;
    const startedAt = new Date();
    const t0 = Date.now();
    await publishAlert(fleet, id, region, 'open', startedAt);
    const mesh = allRules(fleet.watches, rulesFor(region), 120_000, `mesh rules without ${region}`);
    const routesAt = await routes.until(regionDrained(region), 120_000, `every route to drain ${region}`);
    const dataPlaneAt = await dataPlaneLoaded(fleet, dataPlane, 60_000);
    const meshAt = await mesh;
    const closedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    await publishAlert(fleet, id, region, 'closed', startedAt, closedAt);
    const restoredAt = await routes.until(routesServing(SCALE_REGIONS), 120_000, `every route to restore ${region}`);
    const sample = {
      region,
      routesMs: routesAt - t0,
      dataPlaneMs: dataPlaneAt - t0,
      meshMs: meshAt - t0,
      restoreMs: restoredAt - closedAt.getTime(),
    };
    samples.push(sample);
    progress(
      `  drill ${i + 1}/${count} ${region}: routes ${sample.routesMs} ms, data plane ${sample.dataPlaneMs} ms, mesh ${sample.meshMs} ms; restored ${sample.restoreMs} ms after the close`,
    );
  }
  return samples;
}
