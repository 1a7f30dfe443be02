/**
 * The operations API end to end in the sandbox: real HTTP to the services, API tokens hashed in
 * the Firestore emulator, ID tokens minted and verified with the double's certificates, drains
 * rendered into the real config cluster's HTTPRoute, and Slack commands answered through the
 * double's response URLs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { apiRequest, slackCommandRequest, slashCommandForm } from '../../sandbox/api-client.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { createCluster, deleteCluster, uniqueName, waitForOperation } from '../support/fleet-fixtures.ts';
import { pushConfig } from '../support/config-push.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { ROUTE_STEPS } from '../../shared/routing/index.ts';

type Json = Record<string, unknown> & {
  code?: string;
  message?: string;
  summary?: string;
  result?: string;
  details?: Record<string, unknown>;
  operation?: { id: string; principal: string };
};

const OSAKA = 'asia-northeast2';
const TOKYO = 'asia-northeast1';

describe('operations API (sandbox end to end)', () => {
  let adapters: GcpAdapters;
  let raw: PubSub;
  const run = Date.now().toString(36);
  const results: { operationId: string; kind: string; principal: string; summary: string; result: string }[] = [];
  beforeAll(async () => {
    adapters = await sandboxAdapters();
    // A subscription of its own on the results topic: what a chat bot would see.
    raw = new PubSub({ projectId: sandboxInfo().projectId, apiEndpoint: sandboxInfo().pubsubHost, emulatorMode: true });
    const [sub] = await raw.topic(adapters.topology.topics.results).createSubscription(`bot-${run}`);
    sub.on('message', (m: Message) => {
      results.push(JSON.parse(m.data.toString('utf8')) as (typeof results)[number]);
      m.ack();
    });
  });
  afterAll(async () => {
    await raw.close();
    await adapters.close();
  });

  const api = sandboxInfo().api;
  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const res = await apiRequest(api.url, method, path, opts);
    const text = await res.text();
    for (const secret of [...Object.values(api.tokens), api.slackSigningSecret]) expect(text).not.toContain(secret);
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as Json };
  };
  const weights = async () =>
    Object.fromEntries(((await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends ?? []).map((b) => [b.name, b.weight]));
  const routeVersion = async () => (await readStoreRoute(adapters, sandboxInfo().token))?.generation;
  const restoreOsaka = () => call('POST', `/v1/regions/${OSAKA}/restore`, { token: api.tokens.operator, body: { reason: 'test cleanup' } });

  it('lets a viewer read the fleet and the routes but not drain', async () => {
    const fleet = await call('GET', '/v1/fleet', { token: api.tokens.viewer });
    expect(fleet.status).toBe(200);
    const regions = fleet.body.regions as { region: string; serving: boolean; clusters: string[] }[];
    expect(regions.filter((r) => r.region === TOKYO || r.region === OSAKA).map((r) => [r.region, r.serving])).toEqual([
      [TOKYO, true],
      [OSAKA, true],
    ]);
    const clusters = fleet.body.clusters as { name: string; phase: string; membershipState: string | null }[];
    expect(clusters.find((c) => c.name === 'mc-gw-osaka')).toMatchObject({ phase: 'onboarded', membershipState: 'READY' });

    const routes = await call('GET', '/v1/routes', { token: api.tokens.viewer });
    expect(routes.status).toBe(200);
    const store = (routes.body.routes as { service: string; diff: string[]; live: unknown; rendered: unknown }[]).find(
      (r) => r.service === 'store',
    );
    expect(store).toMatchObject({ diff: [] });
    expect(store?.live).toBeTruthy();

    const denied = await call('POST', `/v1/regions/${OSAKA}/drain`, { token: api.tokens.viewer, body: { reason: 'viewer tries' } });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: 'permission_denied' });
    expect(denied.body.message).toContain('operator');
    expect((await call('GET', '/v1/fleet')).status).toBe(401);
  });

  it('plans a drain without applying it, then drains Osaka for an operator exactly once per Idempotency-Key, and refuses the last serving region', async () => {
    onTestFailed(async () => void (await restoreOsaka()));
    const versionBefore = await routeVersion();
    const plan = await call('POST', `/v1/regions/${OSAKA}/drain`, {
      token: api.tokens.operator,
      body: { reason: 'planning a drain', dryRun: true },
    });
    expect(plan.status).toBe(200);
    expect(plan.body.result).toBe('planned');
    expect(plan.body.plan).toEqual(
      expect.arrayContaining([
        `drain ${OSAKA}`,
        expect.stringContaining('store-asia-northeast2 weight 50 → 0'),
        'store: 50% of default traffic moves',
      ]),
    );
    expect(await routeVersion()).toBe(versionBefore);

    const key = `drain-osaka-${run}`;
    const first = await call('POST', `/v1/regions/${OSAKA}/drain`, {
      token: api.tokens.operator,
      body: { reason: 'bad deploy in osaka' },
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(200);
    expect(first.body.result).toBe('succeeded');
    expect(first.body.summary).toMatch(/asia-northeast2 drained \(manual hold\) by operator@sandbox\.local/);
    expect(first.body.operation?.principal).toBe('operator@sandbox.local');
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 0 });
    const drainedVersion = await routeVersion();

    const again = await call('POST', `/v1/regions/${OSAKA}/drain`, {
      token: api.tokens.operator,
      body: { reason: 'bad deploy in osaka' },
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.operation?.id).toBe(first.body.operation?.id);
    expect(await routeVersion()).toBe(drainedVersion);

    const published = await pollUntil(async () => results.find((r) => r.operationId === first.body.operation?.id), {
      timeoutMs: 15_000,
      what: 'the drain on the results topic',
    });
    expect(published).toMatchObject({ kind: 'manual-drain', principal: 'operator@sandbox.local', result: 'succeeded' });
    expect(published.summary).toContain('manual-drain region/asia-northeast2 by operator@sandbox.local: succeeded');

    const detail = await call('GET', `/v1/operations/${first.body.operation?.id}`, { token: api.tokens.viewer });
    expect(detail.body).toMatchObject({ kind: 'manual-drain', principal: 'operator@sandbox.local', region: OSAKA, result: 'succeeded' });
    expect((detail.body.steps as { name: string }[]).map((s) => s.name)).toContain(ROUTE_STEPS.applyRoutes);
    const listed = await call('GET', `/v1/operations?kind=manual-drain&region=${OSAKA}&pageSize=5`, { token: api.tokens.viewer });
    expect((listed.body.operations as { id: string }[]).map((o) => o.id)).toContain(first.body.operation?.id);

    const last = await call('POST', `/v1/regions/${TOKYO}/drain`, {
      token: api.tokens.operator,
      body: { reason: 'drain the other one too' },
    });
    expect(last.status).toBe(409);
    expect(last.body).toMatchObject({ code: 'refused', details: { guard: 'last-serving-region' } });
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 0 });

    const region = (
      (await call('GET', '/v1/fleet/regions', { token: api.tokens.viewer })).body.regions as {
        region: string;
        drained: boolean;
        cause: string;
        manualHold: { by: string } | null;
      }[]
    ).find((r) => r.region === OSAKA);
    expect(region).toMatchObject({ drained: true, cause: 'manual', manualHold: { by: 'operator@sandbox.local' } });

    const restored = await restoreOsaka();
    expect(restored.status).toBe(200);
    expect(restored.body.summary).toContain('restored');
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 50 });
  });

  it('breaks the glass for an admin only, publishes it as manual-drain-override, and ramps the restores back 10 → 25 → 50 → 100 %', async () => {
    const restoreAll = async () => {
      for (const region of [OSAKA, TOKYO])
        await call('POST', `/v1/regions/${region}/restore`, { token: api.tokens.operator, body: { reason: 'test cleanup' } });
      await pushConfig('restores whole again', (doc) => void (doc.hasIn(['safety', 'ramp']) && doc.deleteIn(['safety', 'ramp'])));
    };
    onTestFailed(restoreAll);
    await pushConfig('restores ramp back in 2-second steps', (doc) =>
      doc.setIn(['safety', 'ramp'], doc.createNode({ steps: [10, 25, 50, 100], stepSeconds: 2 })),
    );
    expect((await call('POST', `/v1/regions/${TOKYO}/drain`, { token: api.tokens.operator, body: { reason: 'tokyo first' } })).status).toBe(
      200,
    );
    const body = { reason: 'osaka serves corrupt carts: stop everything', overrideGuards: ['last-serving-region'] };
    const operator = await call('POST', `/v1/regions/${OSAKA}/drain`, { token: api.tokens.operator, body });
    expect([operator.status, operator.body.code]).toEqual([403, 'permission_denied']);
    const admin = await call('POST', `/v1/regions/${OSAKA}/drain`, { token: api.tokens.admin, body });
    expect([admin.status, admin.body.result]).toEqual([200, 'succeeded']);
    expect(await weights()).toMatchObject({ 'store-asia-northeast1': 0, 'store-asia-northeast2': 0 });
    const published = await pollUntil(async () => results.find((r) => r.operationId === admin.body.operation?.id), {
      timeoutMs: 15_000,
      what: 'the override on the results topic',
    });
    expect(published).toMatchObject({ kind: 'manual-drain-override', principal: 'admin@sandbox.local', result: 'succeeded' });

    // Osaka's restore ramps: each weight the route takes, in order, until it has its whole weight.
    expect((await restoreOsaka()).status).toBe(200);
    const seen: number[] = [];
    await pollUntil(
      async () => {
        const w = (await weights())['store-asia-northeast2'];
        if (w !== undefined && w !== seen.at(-1)) seen.push(w);
        return w === 50 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'Osaka back at its whole weight' },
    );
    expect(seen).toEqual([5, 13, 25, 50]);
    const ramping = await call('GET', '/v1/operations?kind=tick&pageSize=50', { token: api.tokens.viewer });
    const stepPlans = (ramping.body.operations as { plan: string[] }[])
      .flatMap((o) => o.plan)
      .filter((l) => l.includes('store-asia-northeast2 weight'));
    expect(stepPlans).toEqual(expect.arrayContaining([expect.stringContaining('store-asia-northeast2 weight 13 → 25')]));
    // Tokyo's restore ramps the mesh too: its own clients keep its percent in Tokyo, the rest go to
    // Osaka (whole), in the real DestinationRule; once whole, the configured rule is back.
    const tokyoKube = await kubeFor(adapters, 'asia-northeast1-b', 'mc-gw-tokyo');
    type Rule = {
      spec: { trafficPolicy: { loadBalancer?: { localityLbSetting?: { distribute?: { from: string; to: Record<string, number> }[] } } } };
    };
    await call('POST', `/v1/regions/${TOKYO}/restore`, { token: api.tokens.operator, body: { reason: 'tokyo fixed' } });
    const kept: number[] = [];
    await pollUntil(
      async () => {
        const dr = await tokyoKube.get<Rule & { apiVersion: string; kind: string }>({
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          namespace: 'store',
          name: 'store',
        });
        const distribute = dr?.spec.trafficPolicy.loadBalancer?.localityLbSetting?.distribute;
        const local = distribute?.find((d) => d.from === 'asia-northeast1/*')?.to['asia-northeast1/*'];
        if (local !== undefined && local !== kept.at(-1)) kept.push(local);
        return (await weights())['store-asia-northeast1'] === 50 && dr && !distribute ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'Tokyo back at its whole weight, in the routes and the mesh' },
    );
    expect(kept.filter((k) => k < 100).length).toBeGreaterThan(0);
    expect(kept.filter((k) => k < 100).every((k) => [10, 25, 50].includes(k))).toBe(true);
    await restoreAll();
  });

  it('accepts Google ID tokens for mapped, verified emails and the right audience only', async () => {
    const mint = async (body: Record<string, unknown>) => {
      const res = await fetch(`${sandboxInfo().doubleUrl}/_double/id-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandboxInfo().token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return ((await res.json()) as { idToken: string }).idToken;
    };
    const good = await mint({ email: 'viewer@sandbox.local', audience: api.audience });
    expect((await call('GET', '/v1/fleet/clusters', { token: good })).status).toBe(200);
    const wrongAudience = await call('GET', '/v1/fleet', {
      token: await mint({ email: 'viewer@sandbox.local', audience: 'https://elsewhere.example' }),
    });
    expect(wrongAudience).toMatchObject({ status: 401, body: { code: 'unauthenticated', message: 'ID token rejected: wrong audience' } });
    expect(
      (
        await call('GET', '/v1/fleet', {
          token: await mint({ email: 'viewer@sandbox.local', audience: api.audience, emailVerified: false }),
        })
      ).status,
    ).toBe(401);
    expect(
      (await call('GET', '/v1/fleet', { token: await mint({ email: 'stranger@sandbox.local', audience: api.audience }) })).status,
    ).toBe(403);
  });

  it('answers Slack commands within the acknowledgement and posts the result to the response URL; refuses bad signatures, stale requests and replays', async () => {
    const responseUrl = `${api.slackResponsePrefix}responses/${run}`;
    const slack = async (text: string, user: string, opts: { timestamp?: number; secret?: string } = {}) => {
      const body = slashCommandForm(text, user, responseUrl);
      const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
      const res = await slackCommandRequest(api.url, opts.secret ?? api.slackSigningSecret, body, timestamp);
      return { status: res.status, body: (await res.json()) as { text?: string; code?: string }, raw: body, timestamp };
    };
    const posted = async (count: number) =>
      pollUntil(
        async () => {
          const res = await fetch(responseUrl);
          const { messages } = (await res.json()) as { messages: { text: string; response_type: string }[] };
          return messages.length >= count ? messages : undefined;
        },
        { timeoutMs: 30_000, what: `${count} Slack message(s)` },
      );

    const status = await slack('status', 'U0VIEWER');
    expect(status.status).toBe(200);
    expect((await posted(1))[0]?.text).toMatch(/regions serving|drained/);

    const denied = await slack(`drain ${OSAKA} from slack`, 'U0VIEWER');
    expect(denied.body.text).toMatch(/permission denied.*operator/);

    const planned = await slack(`plan drain ${OSAKA} checking`, 'U0OPERATOR');
    expect(planned.status).toBe(200);
    expect((await posted(2))[1]?.text).toContain('dry run: would drain asia-northeast2');
    expect(await weights()).toMatchObject({ 'store-asia-northeast2': 50 });

    expect((await slack('status', 'U0VIEWER', { secret: 'not-the-signing-secret-at-all' })).status).toBe(401);
    expect((await slack('status', 'U0VIEWER', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    const replayed = await slackCommandRequest(api.url, api.slackSigningSecret, status.raw, status.timestamp);
    expect(replayed.status).toBe(200);
    expect(((await replayed.json()) as { text: string }).text).toMatch(/already/i);
  });

  it('onboards a cluster the selector skipped on an admin request (by location and name), and offboards it by membership', async () => {
    const name = uniqueName('ondemand');
    const location = 'asia-northeast2-c';
    await createCluster(adapters, name, location, { app: 'store' });
    onTestFailed(() => deleteCluster(adapters, name, location));
    const skipped = await waitForOperation(adapters, name, (o) => o.trigger.phase === 'last', `${name} seen by the lifecycle flow`);
    expect(skipped.reason).toContain('onboarding selector');

    expect((await call('POST', '/v1/clusters/onboard', { token: api.tokens.operator, body: { location, name } })).status).toBe(403);
    const plan = await call('POST', '/v1/clusters/onboard', { token: api.tokens.admin, body: { location, name, dryRun: true } });
    expect(plan.body).toMatchObject({ result: 'planned' });
    const onboarded = await call('POST', '/v1/clusters/onboard', {
      token: api.tokens.admin,
      body: { location, name },
      headers: { 'idempotency-key': `onboard-${name}` },
    });
    expect(onboarded.status).toBe(200);
    expect(onboarded.body.operation).toMatchObject({ principal: 'admin@sandbox.local', kind: 'manual-onboard' });
    const clusters = async () =>
      (await call('GET', '/v1/fleet/clusters', { token: api.tokens.viewer })).body.clusters as {
        name: string;
        phase: string;
        membership: string | null;
        membershipState: string | null;
      }[];
    const joined = (await clusters()).find((c) => c.name === name);
    expect(joined).toMatchObject({ phase: 'onboarded', membershipState: 'READY' });
    const regions = async () =>
      (
        (await call('GET', '/v1/fleet/regions', { token: api.tokens.viewer })).body.regions as { region: string; clusters: string[] }[]
      ).find((r) => r.region === OSAKA)?.clusters;
    expect(await regions()).toEqual(expect.arrayContaining(['mc-gw-osaka', name]));

    const offboarded = await call('POST', '/v1/clusters/offboard', { token: api.tokens.admin, body: { membership: joined?.membership } });
    expect(offboarded.status).toBe(200);
    expect((await clusters()).find((c) => c.name === name)).toMatchObject({ phase: 'removed', membershipState: null });
    expect(await regions()).toEqual(['mc-gw-osaka']);
    await deleteCluster(adapters, name, location);
  });

  it('shows the configuration in force, and plans a proposed one without applying it', async () => {
    const view = await call('GET', '/v1/config', { token: api.tokens.viewer });
    expect(view.status).toBe(200);
    expect(['git', 'file']).toContain(view.body.source);
    const yaml = readFileSync(join(sandboxInfo().repoRoot, 'examples', 'fleet.yaml'), 'utf8')
      .replace('asia-northeast1: 50', 'asia-northeast1: 80')
      .replace('asia-northeast2: 50', 'asia-northeast2: 20');
    const versionBefore = await routeVersion();
    const plan = await call('POST', '/v1/config/plan', { token: api.tokens.admin, body: { yaml } });
    expect(plan.status).toBe(200);
    expect(plan.body.plan).toEqual(
      expect.arrayContaining([expect.stringContaining('store-asia-northeast1 weight 50 → 80'), 'store: 30% of default traffic moves']),
    );
    expect(await routeVersion()).toBe(versionBefore);
    const invalid = await call('POST', '/v1/config/plan', {
      token: api.tokens.admin,
      body: { yaml: yaml.replace('asia-northeast2: 20', 'asia-northeast2: -1') },
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body.details?.problems as string[])[0]).toMatch(/^fleet\.yaml:\d+: services\.0\.regionWeights\.asia-northeast2/);
  });

  it('reports readiness of every dependency and serves a complete OpenAPI document', async () => {
    const anonymous = await fetch(`${api.url}/readyz`);
    expect([anonymous.status, await anonymous.json()]).toEqual([200, { status: 'ready' }]);
    // The detail is for a caller with a credential.
    const ready = await fetch(`${api.url}/readyz`, { headers: { authorization: `Bearer ${api.tokens.viewer}` } });
    const body = (await ready.json()) as { status: string; dependencies: Record<string, { ok: boolean }> };
    expect(ready.status).toBe(200);
    expect(Object.entries(body.dependencies).map(([name, d]) => [name, d.ok])).toEqual([
      ['firestore', true],
      ['container', true],
      ['gkehub', true],
      ['configCluster', true],
      ['fleetConfig', true],
    ]);
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/fleet', '/v1/regions/{region}/drain', '/v1/operations/{id}', '/slack/commands']),
    );
  });
});
