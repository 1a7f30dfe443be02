/**
 * The main job's drill demo: an admin asks fleetpilot for a drill of Osaka through the operations
 * API while traffic flows through the data plane; the tick restores Osaka when the drill's time is
 * up, measures the drill from the data plane's counts (served through the Cloud Monitoring double)
 * and stores the report, which the demo prints as `GET /v1/drills/{id}` returns it. The claims it
 * prints are checked (see claims.ts).
 */
import { pollUntil } from '../shared/core/retry.ts';
import { describeReport, type DrillRecord } from '../shared/drills/index.ts';
import { apiRequest } from './api-client.ts';
import { Claims } from './claims.ts';
import { sendTraffic } from './data-plane/traffic.ts';
import type { SandboxApi } from './operations-api.ts';

/** What the demo needs. */
export interface DrillDemoContext {
  api: SandboxApi;
  gatewayUrl: string;
  print: (line: string) => void;
  region?: string;
  durationSeconds?: number;
}

const HOST = 'store.example.com';

/** Runs one drill end to end and returns its record; throws `ClaimsFailed` when a printed claim did not hold. */
export async function fleetDrillDemo(ctx: DrillDemoContext): Promise<DrillRecord> {
  const { api, print } = ctx;
  const region = ctx.region ?? 'asia-northeast2';
  const durationSeconds = ctx.durationSeconds ?? 5;
  const claims = new Claims('drill demo', print);
  const t0 = Date.now();
  const step = (text: string) => print(`  +${((Date.now() - t0) / 1000).toFixed(2).padStart(6)} s  ${text}`);
  const traffic = steadyTraffic(ctx.gatewayUrl);
  try {
    print('');
    print(`Drill of ${region} (${durationSeconds} s), asked for by an admin through POST /v1/drills while traffic flows:`);
    step('traffic flowing; waiting for a window of it before the drill');
    await new Promise((resolve) => setTimeout(resolve, (durationSeconds + 1) * 1000));
    const res = await apiRequest(api.url, 'POST', '/v1/drills', {
      token: api.tokens.admin,
      body: { region, durationSeconds, reason: 'sandbox demo: practise losing Osaka' },
      headers: { 'idempotency-key': `drill-demo-${Date.now()}` },
    });
    const body = (await res.json()) as { summary?: string; message?: string; drill?: DrillRecord };
    step(`POST /v1/drills → ${res.status} ${body.summary ?? body.message ?? ''}`);
    if (!claims.check('an admin starts a drill (HTTP 200)', res.status === 200 && body.drill !== undefined, `HTTP ${res.status}`)) {
      claims.verify();
    }
    const id = body.drill!.id;
    let seen = body.drill!.state;
    const done = await pollUntil(
      async () => {
        const r = await apiRequest(api.url, 'GET', `/v1/drills/${id}`, { token: api.tokens.viewer });
        const drill = (await r.json()) as DrillRecord;
        if (drill.state !== seen) step(`drill ${id}: ${seen} → ${(seen = drill.state)}`);
        return drill.state === 'completed' || drill.state === 'aborted' ? drill : undefined;
      },
      { timeoutMs: (durationSeconds + 120) * 1000, intervalMs: 250, what: `drill ${id} to be measured` },
    );
    print(`  report of drill ${id} (GET /v1/drills/${id}):`);
    for (const guard of done.guards) print(`    guard ${guard.guard}: ${guard.verdict}`);
    for (const line of done.report ? describeReport(region, done.report) : [`no report: ${done.endReason ?? ''}`]) print(`    ${line}`);
    const report = done.report;
    claims.check('the drill completed', done.state === 'completed', `${done.state}: ${done.endReason ?? ''}`);
    claims.check(
      `the data plane's counts show ${region} stopped receiving traffic (time to drain measured)`,
      typeof report?.timeToDrainMs === 'number',
      JSON.stringify(report?.notes ?? []),
    );
    claims.check(
      `and receiving it again after the restore (time to restore measured)`,
      typeof report?.timeToFirstTrafficMs === 'number' && typeof report.timeToRestoreMs === 'number',
      JSON.stringify(report?.notes ?? []),
    );
    claims.verify();
    return done;
  } finally {
    await traffic.stop();
  }
}

/** Requests in small batches until stopped, so that the data plane counts traffic every second. */
function steadyTraffic(url: string): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await sendTraffic({ url, host: HOST, path: '/', count: 40, concurrency: 4 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
