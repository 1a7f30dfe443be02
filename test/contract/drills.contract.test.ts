/**
 * Drills end to end in the sandbox: an admin's `POST /v1/drills` drains Osaka in the real config
 * cluster's HTTPRoute while traffic flows through the data plane; the tick restores it when its
 * time is up, reads the data plane's counts through the Cloud Monitoring double with the
 * production adapter, and stores the report, which `GET /v1/drills/{id}` and the results topic
 * carry. An incident in another region ends a drill early.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import type { DrillRecord } from '../../shared/drills/index.ts';
import { apiRequest } from '../../sandbox/api-client.ts';
import { sendTraffic } from '../../sandbox/data-plane/traffic.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { subscribeResults, type ResultsFeed } from '../support/results-feed.ts';
import { pushConfig } from '../support/config-push.ts';

const OSAKA = 'asia-northeast2';
const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b' };
const OSAKA_CLUSTER = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b' };

/** A Cloud Monitoring notification of incident `incidentId` on `where`, as the alert policy sends it. */
const alertOn = (where: { cluster: string; location: string }, incidentId: string) => (state: 'open' | 'closed', startedAt: Date) =>
  monitoringNotification({ incidentId, state, startedAt, ...where, projectId: sandboxInfo().projectId });
type Json = Record<string, unknown> & { summary?: string; message?: string; drill?: DrillRecord; details?: Record<string, unknown> };

describe('drills (sandbox end to end)', () => {
  let adapters: GcpAdapters;
  let feed: ResultsFeed<(typeof results)[number]>;
  const run = Date.now().toString(36);
  const results: { kind: string; principal: string; summary: string; details?: { drill?: DrillRecord } }[] = [];
  let trafficOn = false;
  let trafficLoop: Promise<void> = Promise.resolve();
  beforeAll(async () => {
    adapters = await sandboxAdapters();
    feed = await subscribeResults<(typeof results)[number]>(adapters, `drills-${run}`, results);
    // Steady traffic for the whole file: the drills are measured from what the data plane served.
    trafficOn = true;
    trafficLoop = (async () => {
      while (trafficOn) {
        await sendTraffic({ url: sandboxInfo().gatewayUrl, host: 'store.example.com', path: '/', count: 40, concurrency: 4 }).catch(
          () => undefined,
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
  });
  afterAll(async () => {
    trafficOn = false;
    await trafficLoop;
    await feed.close();
    await adapters.close();
  });

  const api = sandboxInfo().api;
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await apiRequest(api.url, method, path, {
      token,
      body,
      headers: body ? { 'idempotency-key': `${run}-${Math.random()}` } : {},
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const weights = async () =>
    Object.fromEntries(((await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends ?? []).map((b) => [b.name, b.weight]));
  const bothServe = () =>
    pollUntil(
      async () =>
        (await weights())['store-asia-northeast2'] === 50 && (await weights())['store-asia-northeast1'] === 50 ? true : undefined,
      {
        timeoutMs: 60_000,
        what: 'both regions serving at 50',
      },
    );
  const drillEnded = (id: string, timeoutMs = 90_000) =>
    pollUntil(
      async () => {
        const { body } = await call('GET', `/v1/drills/${id}`, api.tokens.viewer);
        const drill = body as unknown as DrillRecord;
        return drill.state === 'completed' || drill.state === 'aborted' ? drill : undefined;
      },
      { timeoutMs, intervalMs: 250, what: `drill ${id} to end` },
    );
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("refuses an operator (403), and an admin's dry run plans the drain without changing a weight", async () => {
    await bothServe();
    const denied = await call('POST', '/v1/drills', api.tokens.operator, { region: OSAKA, durationSeconds: 5, reason: 'game day' });
    expect(denied.status).toBe(403);
    const plan = await call('POST', '/v1/drills', api.tokens.admin, {
      region: OSAKA,
      durationSeconds: 5,
      reason: 'game day',
      dryRun: true,
    });
    expect(plan.status).toBe(200);
    expect(plan.body.result).toBe('planned');
    expect(plan.body.summary).toMatch(/^dry run: a drill would drain asia-northeast2 \(store: 50% of default traffic moves/);
    expect(plan.body.drill).toBeUndefined();
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 50 });
    const bad = await call('POST', '/v1/drills', api.tokens.admin, { region: 'asia-northeast2-b', durationSeconds: 0, reason: 'x' });
    expect(bad.status).toBe(400);
  });

  it('drains Osaka for its time, restores it, and reports the times measured from the data plane on the API and the results topic', async () => {
    await bothServe();
    await sleep(4_000); // a window of traffic before the drill
    const started = await call('POST', '/v1/drills', api.tokens.admin, { region: OSAKA, durationSeconds: 4, reason: 'game day' });
    expect(started.status).toBe(200);
    const drill = started.body.drill!;
    onTestFailed(async () => {
      await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'test cleanup' });
    });
    expect(drill).toMatchObject({ region: OSAKA, state: 'draining', source: 'api', requestedBy: 'admin@sandbox.local' });
    expect(drill.guards.map((g) => g.guard)).toEqual([
      'drill-in-progress',
      'open-incident',
      'last-serving-region',
      'min-healthy-regions',
      'capacity',
    ]);
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 0 });
    // One drill at a time.
    const second = await call('POST', '/v1/drills', api.tokens.admin, { region: 'asia-northeast1', durationSeconds: 4, reason: 'another' });
    expect(second.status).toBe(409);
    expect(second.body.details).toMatchObject({ guard: 'drill-in-progress' });

    const done = await drillEnded(drill.id);
    onTestFailed(() => void process.stdout.write(`drill as stored: ${JSON.stringify(done)}\n`));
    expect(done.state).toBe('completed');
    const times = [done.requestedAt, done.drainWrittenAt, done.restoreDueAt, done.restoreRequestedAt, done.fullWeightAt, done.endedAt];
    expect(times.every((t) => typeof t === 'string')).toBe(true);
    expect([...times].sort()).toEqual(times);
    const report = done.report!;
    expect(report.shareMoved).toBeGreaterThan(0.3);
    expect(report.shareMoved).toBeLessThan(0.7);
    expect(report.timeToDrainMs).toBeGreaterThan(0);
    expect(report.timeToDrainMs).toBeLessThan(4_000);
    expect(report.timeToFirstTrafficMs).toBeGreaterThan(0);
    expect(report.timeToRestoreMs).toBeGreaterThanOrEqual(report.timeToFirstTrafficMs!);
    expect(report.before.requests).toBeGreaterThan(0);
    expect(report.drained.errors + report.after.errors).toBe(0);
    expect(report.resolutionSeconds).toBe(1);
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 50 });

    const published = await pollUntil(() => results.find((r) => r.kind === 'drill' && r.details?.drill?.id === drill.id), {
      timeoutMs: 15_000,
      what: 'the drill report on the results topic',
    });
    expect(published.details?.drill?.report).toEqual(report);
    expect(published.summary).toContain(`drill ${drill.id} of ${OSAKA} completed`);
    const listed = await call('GET', '/v1/drills', api.tokens.viewer);
    // Newest first: the refused second drill (kept, with why), then this one.
    expect((listed.body.drills as DrillRecord[]).slice(0, 2).map((d) => [d.region, d.state, d.endReason ?? null])).toEqual([
      ['asia-northeast1', 'refused', `drill-in-progress: drill ${drill.id} of ${OSAKA} is draining`],
      [OSAKA, 'completed', null],
    ]);
  });

  it('ends a drill early when an incident opens in another region, and refuses a new one while it is open', async () => {
    await bothServe();
    await sleep(2_000);
    const started = await call('POST', '/v1/drills', api.tokens.admin, { region: OSAKA, durationSeconds: 300, reason: 'long game day' });
    expect(started.status).toBe(200);
    const id = started.body.drill!.id;
    const alert = alertOn(TOKYO, `drill-tokyo-${run}`);
    const openedAt = new Date();
    onTestFailed(async () => {
      await adapters.pubsub.publish('healthAlerts', alert('closed', openedAt));
      await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'test cleanup' });
    });
    await adapters.pubsub.publish('healthAlerts', alert('open', openedAt));
    // The drill gives Osaka back at once; Tokyo's alert drain, refused while Osaka was out, then applies.
    await pollUntil(
      async () => {
        const w = await weights();
        return w['store-asia-northeast2'] === 50 && w['store-asia-northeast1'] === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'Osaka restored by the drill and Tokyo drained by its alert' },
    );
    const refused = await call('POST', '/v1/drills', api.tokens.admin, { region: OSAKA, durationSeconds: 5, reason: 'again' });
    expect(refused.status).toBe(409);
    expect(['drill-in-progress', 'open-incident']).toContain((refused.body.details as { guard: string }).guard);
    const ended = await drillEnded(id);
    expect(ended.state).toBe('aborted');
    expect(ended.endReason).toBe(`incident asia-northeast1/drill-tokyo-${run} opened during the drill: restored early`);
    expect(Date.parse(ended.restoreRequestedAt!)).toBeLessThan(Date.parse(ended.restoreDueAt));
    expect(ended.report?.timeToFirstTrafficMs).toBeGreaterThan(0);
    const quiet = await call('POST', '/v1/drills', api.tokens.admin, { region: OSAKA, durationSeconds: 5, reason: 'again' });
    expect(quiet.status).toBe(409);
    expect(quiet.body.details).toMatchObject({ guard: 'open-incident' });
    await adapters.pubsub.publish('healthAlerts', alert('closed', openedAt));
    await bothServe();
  });
  it("shows the ramp in the data plane's counts: Osaka's share of requests grows step by step after a drill's restore", async () => {
    await bothServe();
    onTestFailed(async () => {
      await pushConfig('restores whole again', (doc) => void (doc.hasIn(['safety', 'ramp']) && doc.deleteIn(['safety', 'ramp'])));
    });
    // 10-second steps: the report reads each step's second half, and a loaded machine's tick may write a step seconds late.
    await pushConfig('restores ramp back in 10-second steps', (doc) =>
      doc.setIn(['safety', 'ramp'], doc.createNode({ steps: [10, 25, 50, 100], stepSeconds: 10 })),
    );
    // Osaka restored by the test before may be on the new ramp for a while: wait until a drill could start.
    await pollUntil(
      async () => {
        const plan = await call('POST', '/v1/drills', api.tokens.admin, {
          region: OSAKA,
          durationSeconds: 3,
          reason: 'ramp game day',
          dryRun: true,
        });
        return plan.status === 200 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'a drill of Osaka to be allowed (no ramp left from the test before)' },
    );
    // Tokyo, restored by the test before, may be ramping too: the shares expected assume both at their whole weight.
    await bothServe();
    await sleep(3_000);
    const started = await call('POST', '/v1/drills', api.tokens.admin, { region: OSAKA, durationSeconds: 3, reason: 'ramp game day' });
    expect(started.status).toBe(200);
    const done = await drillEnded(started.body.drill!.id);
    onTestFailed(() => void process.stdout.write(`drill as stored: ${JSON.stringify(done)}\n`));
    expect(done.state).toBe('completed');
    const ramp = done.report!.ramp!;
    expect(ramp.map((r) => r.percent)).toEqual([10, 25, 50, 100]);
    // Weights 50/50: Osaka's share at p% of its weight is p/2 / (p/2 + 50), within what 1-second samples of traffic allow.
    const expected = [5 / 55, 13 / 63, 25 / 75, 0.5];
    ramp.forEach((step, i) => {
      expect(step.requests).toBeGreaterThan(0);
      expect(Math.abs(step.share! - expected[i]!)).toBeLessThan(0.1);
    });
    expect(ramp[0]!.share!).toBeLessThan(ramp[2]!.share!);
    expect(ramp[2]!.share!).toBeLessThan(ramp[3]!.share!);
    expect(done.report!.timeToFullWeightMs).toBeGreaterThanOrEqual(30_000);
    await pushConfig('restores whole again', (doc) => void (doc.hasIn(['safety', 'ramp']) && doc.deleteIn(['safety', 'ramp'])));
  });

  it('sends Osaka back to 0 at once when an incident opens in the middle of its ramp, and ramps it again from the start after the close', async () => {
    await bothServe();
    const alert = alertOn(OSAKA_CLUSTER, `mid-ramp-osaka-${run}`);
    const openedAt = new Date();
    onTestFailed(async () => {
      await adapters.pubsub.publish('healthAlerts', alert('closed', openedAt));
      await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'test cleanup' });
      await pushConfig('restores whole again', (doc) => void (doc.hasIn(['safety', 'ramp']) && doc.deleteIn(['safety', 'ramp'])));
    });
    await pushConfig('restores ramp back in 10-second steps', (doc) =>
      doc.setIn(['safety', 'ramp'], doc.createNode({ steps: [10, 25, 50, 100], stepSeconds: 10 })),
    );
    expect((await call('POST', `/v1/regions/${OSAKA}/drain`, api.tokens.operator, { reason: 'mid-ramp test' })).status).toBe(200);
    expect((await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'mid-ramp test' })).status).toBe(200);
    // Osaka is in its first step (10 % of 50) when the incident opens.
    expect((await weights())['store-asia-northeast2']).toBe(5);
    const published = Date.now();
    await adapters.pubsub.publish('healthAlerts', alert('open', openedAt));
    await pollUntil(async () => ((await weights())['store-asia-northeast2'] === 0 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'Osaka at 0 before its next ramp step',
    });
    const toZeroMs = Date.now() - published;
    process.stdout.write(`mid-ramp incident: Osaka at 0 ${toZeroMs} ms after the alert was published\n`);
    const regions = await call('GET', '/v1/fleet/regions', api.tokens.viewer);
    const osaka = (regions.body.regions as { region: string }[]).find((r) => r.region === OSAKA);
    expect(osaka).toMatchObject({ drained: true, cause: 'alert', ramp: null });
    // The close, the hold-down and a tick: the ramp starts again at its first step, never at the step it had reached.
    await adapters.pubsub.publish('healthAlerts', alert('closed', openedAt));
    const seen: number[] = [];
    await pollUntil(
      async () => {
        const w = (await weights())['store-asia-northeast2'];
        if (w !== undefined && w !== seen.at(-1)) seen.push(w);
        return w !== undefined && w >= 13 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'Osaka ramping again after the close' },
    );
    expect(seen.slice(0, 3)).toEqual([0, 5, 13]);
    await pushConfig('restores whole again', (doc) => void (doc.hasIn(['safety', 'ramp']) && doc.deleteIn(['safety', 'ramp'])));
    await bothServe();
  });
});
