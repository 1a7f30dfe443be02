/**
 * `/readyz` (issue 13): the upstream check runs at most once per few seconds however many probes
 * arrive (concurrent ones share the one in flight), unauthenticated callers learn only ready or
 * not, and the per-dependency detail needs an API credential. `/healthz` never checks upstream.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../services/app.ts';
import type { ApiDeps, DependencyStatus, FleetOps } from '../../services/api/deps.ts';
import { createRateLimiter } from '../../services/api/rate-limit.ts';
import { PREREQUISITES_CACHE_MS, READINESS_CACHE_MS } from '../../services/api/readiness.ts';
import { createApiToken } from '../../services/api/tokens.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { memoryStore } from '../support/memory-store.ts';
import { testClock } from '../support/test-clock.ts';
import { memoryMarkerStore } from '../support/webhook-fakes.ts';

const unused = async (): Promise<never> => {
  throw new Error('not used by /readyz');
};

/**
 * The app with the operations API, whose readiness check is counted: each takes a few real
 * milliseconds and answers `dependencies` (tests flip `ok`), or throws when `check` is replaced.
 */
async function counted(check?: () => Promise<Record<string, DependencyStatus>>) {
  const clock = testClock();
  const store = memoryStore();
  const dependencies: Record<string, DependencyStatus> = { firestore: { ok: true, latencyMs: 1 }, container: { ok: true, latencyMs: 2 } };
  let checks = 0;
  let preflights = 0;
  const ops: FleetOps = {
    fleet: unused,
    routes: unused,
    manualDrain: unused,
    reconcile: unused,
    onboard: unused,
    preflight: async () => {
      preflights++;
      return {
        ok: false,
        checkedAt: clock.now().toISOString(),
        checks: [
          { name: 'api:container.googleapis.com', ok: true, detail: 'ENABLED' },
          { name: 'iam:mcs-importer', ok: false, detail: 'lacks the role', fix: 'gcloud projects add-iam-policy-binding …' },
        ],
      };
    },
    offboard: unused,
    config: unused,
    planConfig: unused,
    startDrill: unused,
    drill: unused,
    drills: unused,
    approvals: unused,
    approval: unused,
    decide: unused,
    readiness: async () => {
      checks++;
      if (check) return check();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return structuredClone(dependencies);
    },
  };
  const { token } = await createApiToken(store, clock, { principal: 'token:viewer', role: 'viewer', label: 'viewer' });
  const log = silentLogger();
  const api: ApiDeps = {
    ops,
    store,
    clock,
    log,
    auth: { tokens: store, idTokens: undefined, principals: {} },
    limiter: createRateLimiter(1_000_000, clock),
  };
  const app = createApp({
    filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store: memoryMarkerStore().store,
    publish: unused,
    clock,
    log,
    api,
  });
  const get = async (path: string, bearer?: string) =>
    app.request(path, bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } });
  return { get, clock, token, dependencies, checks: () => checks, preflights: () => preflights };
}

const body = async (res: Response) => [res.status, await res.json()] as const;

describe('/readyz', () => {
  it('100 concurrent probes share one upstream check', async () => {
    const { get, checks } = await counted();
    const answers = await Promise.all(Array.from({ length: 100 }, () => get('/readyz')));
    expect(answers.every((res) => res.status === 200)).toBe(true);
    expect(checks()).toBe(1);
  });

  it('a result is reused for a few seconds, then checked again', async () => {
    const { get, clock, checks } = await counted();
    for (let i = 0; i < 50; i++) {
      await get('/readyz');
      clock.advance(READINESS_CACHE_MS / 100);
    }
    expect(checks()).toBe(1);
    clock.advance(READINESS_CACHE_MS);
    await get('/readyz');
    expect(checks()).toBe(2);
    expect(READINESS_CACHE_MS).toBeGreaterThanOrEqual(2_000);
    expect(READINESS_CACHE_MS).toBeLessThanOrEqual(10_000);
  });

  it('an unauthenticated caller learns only ready or not ready', async () => {
    const { get, clock, dependencies } = await counted();
    expect(await body(await get('/readyz'))).toEqual([200, { status: 'ready' }]);
    dependencies.container = { ok: false, latencyMs: 3000, error: 'no answer within 3000 ms' };
    clock.advance(READINESS_CACHE_MS + 1);
    expect(await body(await get('/readyz'))).toEqual([503, { status: 'not ready' }]);
  });

  it('an authenticated caller gets each dependency and when it was checked', async () => {
    const { get, clock, token, dependencies } = await counted();
    dependencies.container = { ok: false, latencyMs: 3000, error: 'no answer within 3000 ms' };
    const [status, answer] = await body(await get('/readyz', token));
    expect(status).toBe(503);
    expect(answer).toEqual({
      status: 'not ready',
      checkedAt: clock.now().toISOString(),
      dependencies,
      prerequisites: { ok: false, failing: ['iam:mcs-importer'], checkedAt: clock.now().toISOString() },
    });
  });

  it('reads the prerequisites only for an authenticated caller, at most once a minute, and they never decide readiness', async () => {
    const { get, clock, token, preflights } = await counted();
    expect(await body(await get('/readyz'))).toEqual([200, { status: 'ready' }]);
    expect(preflights()).toBe(0);
    for (let i = 0; i < 5; i++) expect((await get('/readyz', token)).status).toBe(200);
    expect(preflights()).toBe(1);
    clock.advance(PREREQUISITES_CACHE_MS);
    await get('/readyz', token);
    expect(preflights()).toBe(2);
  });

  it('a bad credential is refused, not answered with less', async () => {
    const { get, checks } = await counted();
    const res = await get('/readyz', 'fpt_not-a-real-token-000000000000');
    expect(res.status).toBe(401);
    expect(checks()).toBe(0);
  });

  it('a check that throws answers not ready, and is cached like any other', async () => {
    const { get, token, checks } = await counted(async () => {
      throw new Error('firestore client exploded with Bearer secret-value');
    });
    const [status, answer] = await body(await get('/readyz', token));
    expect(status).toBe(503);
    expect(answer).toMatchObject({ status: 'not ready', dependencies: { readiness: { ok: false, error: 'the check failed' } } });
    expect(JSON.stringify(answer)).not.toContain('secret-value');
    await get('/readyz');
    expect(checks()).toBe(1);
  });

  it('liveness (/healthz, /health) never checks upstream', async () => {
    const { get, checks } = await counted();
    for (const path of ['/healthz', '/health']) expect(await body(await get(path))).toEqual([200, { status: 'ok' }]);
    expect(checks()).toBe(0);
  });

  it('without the operations API it is not ready', async () => {
    const app = createApp({
      filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
      store: memoryMarkerStore().store,
      publish: unused,
      clock: testClock(),
      log: silentLogger(),
    });
    expect(await body(await app.request('/readyz'))).toEqual([503, { status: 'not ready' }]);
  });
});
