import { describe, expect, it } from 'vitest';
import { ManualResultSchema, OperationSchema } from '../../services/api/schemas.ts';
import { IDEMPOTENCY } from '../../services/api/idempotency.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { withoutExpiry } from '../../shared/state/retention.ts';
import { apiTestApp, PRINCIPALS, PROJECT, type ApiTestApp } from '../support/api-fakes.ts';

const TOKYO = 'asia-northeast1';
const OSAKA = 'asia-northeast2';
const drainPath = (region: string) => `/v1/regions/${region}/drain`;
const restorePath = (region: string) => `/v1/regions/${region}/restore`;
const REASON = 'bad deploy in tokyo';
/** What the real drain of one of two regions reports about traffic. */
const MOVES = '(store: 50% of default traffic moves)';
/** People's requests never share an instant: the drain model orders equal instants by kind and region, not by arrival. */
const aSecondLater = (t: ApiTestApp) => t.clock.advance(1_000);

interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}
const operationsIn = (t: ApiTestApp) =>
  [...t.store.docs.entries()]
    .filter(([k]) => k.startsWith(`${OPERATIONS}/`))
    .map(([, d]) => withoutExpiry(d) as unknown as OperationRecord);
const idempotencyRecords = (t: ApiTestApp) => [...t.store.docs.keys()].filter((k) => k.startsWith(`${IDEMPOTENCY}/`));

describe('POST /v1/regions/{region}/drain and /restore', () => {
  it('drains with a reason: 200 with the summary, the operation names the principal', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON } });
    const body = ManualResultSchema.parse(await res.json());
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      result: 'succeeded',
      summary: `${TOKYO} drained (manual hold) by ${PRINCIPALS.operator} ${MOVES}: ${REASON}`,
    });
    expect(body.operation).toMatchObject({
      kind: 'manual-drain',
      principal: PRINCIPALS.operator,
      region: TOKYO,
      result: 'succeeded',
      trigger: { source: 'api', reason: REASON },
    });
    expect(await t.hold(TOKYO)).toMatchObject({ by: PRINCIPALS.operator, reason: REASON });
    expect(t.fleet.route('store')?.weights).toEqual({ [TOKYO]: 0, [OSAKA]: 50 });
    expect(operationsIn(t)).toEqual([body.operation]);

    aSecondLater(t);
    const restore = await t.call('POST', restorePath(TOKYO), { token: t.tokens.operator, body: { reason: 'fixed forward' } });
    expect([restore.status, ((await restore.json()) as { result: string }).result]).toEqual([200, 'succeeded']);
    expect(await t.drained()).toEqual([]);
    expect(t.fleet.route('store')?.weights).toEqual({ [TOKYO]: 50, [OSAKA]: 50 });
    expect(
      operationsIn(t)
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['manual-drain', 'manual-restore']);
  });

  it.each<[string, string, string | undefined, Record<string, string>, string]>([
    ['missing reason', drainPath(TOKYO), JSON.stringify({}), {}, 'reason'],
    ['short reason', drainPath(TOKYO), JSON.stringify({ reason: 'no' }), {}, 'reason'],
    ['a reason of blanks', drainPath(TOKYO), JSON.stringify({ reason: '     ' }), {}, 'reason'],
    ['a reason over 500 characters', drainPath(TOKYO), JSON.stringify({ reason: 'x'.repeat(501) }), {}, 'reason'],
    ['a reason that is not a string', restorePath(TOKYO), JSON.stringify({ reason: 42 }), {}, 'reason'],
    ['dryRun that is not a boolean', drainPath(TOKYO), JSON.stringify({ reason: REASON, dryRun: 'yes' }), {}, 'dryRun'],
    ['an extra field', drainPath(TOKYO), JSON.stringify({ reason: REASON, force: true }), {}, '"force"'],
    ['a bad region', drainPath('Tokyo'), JSON.stringify({ reason: REASON }), {}, 'region'],
    ['a zone instead of a region', drainPath('asia-northeast1-a'), JSON.stringify({ reason: REASON }), {}, 'region'],
    ['an array body', drainPath(TOKYO), JSON.stringify([REASON]), {}, '(root)'],
    ['bad JSON', drainPath(TOKYO), '{"reason": "bad deploy"', {}, 'JSON'],
    ['an empty body', drainPath(TOKYO), undefined, { 'content-type': 'application/json' }, 'JSON'],
    [
      'a bad Idempotency-Key',
      drainPath(TOKYO),
      JSON.stringify({ reason: REASON }),
      { 'idempotency-key': 'has spaces in it' },
      'Idempotency-Key',
    ],
  ])('%s → 400 naming the field', async (_name, path, body, headers, field) => {
    const t = await apiTestApp();
    const res = await t.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.operator}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const answer = (await res.json()) as ErrorBody;
    expect([res.status, answer.code]).toEqual([400, 'invalid_argument']);
    expect(answer.message).toContain(field);
    expect(await t.drained()).toEqual([]);
    expect(operationsIn(t)).toEqual([]);
  });

  it('lists every issue of an invalid body in details.issues', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: 'no', dryRun: 1 } });
    const answer = (await res.json()) as ErrorBody;
    expect(answer.details).toMatchObject({ issueCount: 2, issues: [{ path: 'reason' }, { path: 'dryRun' }] });
  });

  it('refuses a body that is not JSON with 415', async () => {
    const t = await apiTestApp();
    const res = await t.app.request(drainPath(TOKYO), {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.operator}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ reason: REASON }),
    });
    expect([res.status, ((await res.json()) as ErrorBody).code]).toEqual([415, 'unsupported_media_type']);
    expect(await t.drained()).toEqual([]);
  });

  it('a dry run plans and changes nothing', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON, dryRun: true } });
    const body = ManualResultSchema.parse(await res.json());
    expect([res.status, body.result, body.operation]).toEqual([200, 'planned', undefined]);
    expect(body.plan).toContain(`drain ${TOKYO}`);
    expect(await t.drained()).toEqual([]);
    expect(operationsIn(t)).toEqual([]);
  });

  it('a guard refusal answers 409 refused naming the guard, and records the refused operation', async () => {
    const t = await apiTestApp();
    expect((await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON } })).status).toBe(200);
    aSecondLater(t);
    const res = await t.call('POST', drainPath(OSAKA), { token: t.tokens.operator, body: { reason: 'osaka too' } });
    const answer = (await res.json()) as ErrorBody;
    expect(res.status).toBe(409);
    expect(answer).toMatchObject({
      code: 'refused',
      details: { guard: 'last-serving-region', reason: `draining ${OSAKA} would leave store with no serving region` },
    });
    expect(answer.message).toContain('last-serving-region');
    expect(await t.drained()).toEqual([TOKYO]);
    const refused = operationsIn(t).find((o) => o.id === answer.details?.operationId);
    expect(refused).toMatchObject({ kind: 'manual-drain', region: OSAKA, result: 'refused', principal: PRINCIPALS.operator });
  });

  it('breaks the glass for an admin only: the last serving region drained, recorded and published as manual-drain-override', async () => {
    const t = await apiTestApp();
    expect((await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON } })).status).toBe(200);
    aSecondLater(t);
    const body = { reason: 'osaka serves corrupt carts; stop all traffic', overrideGuards: ['last-serving-region'] };
    const denied = await t.call('POST', drainPath(OSAKA), { token: t.tokens.operator, body });
    expect([denied.status, ((await denied.json()) as ErrorBody).code]).toEqual([403, 'permission_denied']);
    // Planning it is not breaking it: an operator may see what it would do.
    const planned = ManualResultSchema.parse(
      await (await t.call('POST', drainPath(OSAKA), { token: t.tokens.operator, body: { ...body, dryRun: true } })).json(),
    );
    expect(planned.plan[0]).toMatch(
      /^override: last-serving-region broken by .*; without it: draining asia-northeast2 would leave store with no serving region$/,
    );
    expect(await t.drained()).toEqual([TOKYO]);
    const res = await t.call('POST', drainPath(OSAKA), { token: t.tokens.admin, body });
    const result = ManualResultSchema.parse(await res.json());
    expect([res.status, result.result]).toEqual([200, 'succeeded']);
    expect(result.summary).toContain('drained (manual hold, overriding last-serving-region)');
    expect(await t.drained()).toEqual([TOKYO, OSAKA].sort());
    expect(result.operation).toMatchObject({
      kind: 'manual-drain-override',
      principal: PRINCIPALS.admin,
      trigger: { overrideGuards: ['last-serving-region'], reason: body.reason },
    });
    // The route keeps its backends at weight 0: the Gateway answers 500 until a restore.
    expect(t.fleet.route('store')?.weights).toEqual({ [TOKYO]: 0, [OSAKA]: 0 });
    expect(t.fleet.published.map((o) => o.kind)).toContain('manual-drain-override');
    aSecondLater(t);
    expect((await t.call('POST', `/v1/regions/${OSAKA}/restore`, { token: t.tokens.operator, body: { reason: 'fixed' } })).status).toBe(
      200,
    );
    expect(t.fleet.route('store')?.weights).toEqual({ [TOKYO]: 0, [OSAKA]: 50 });
  });

  it('refuses an override of a guard that cannot be overridden, or on a restore', async () => {
    const t = await apiTestApp();
    const drain = await t.call('POST', drainPath(TOKYO), {
      token: t.tokens.admin,
      body: { reason: REASON, overrideGuards: ['flap-budget'] },
    });
    expect([drain.status, ((await drain.json()) as ErrorBody).code]).toEqual([400, 'invalid_argument']);
    const restore = await t.call('POST', `/v1/regions/${TOKYO}/restore`, {
      token: t.tokens.admin,
      body: { reason: REASON, overrideGuards: ['last-serving-region'] },
    });
    expect(restore.status).toBe(400);
  });

  it('an unknown region answers 404 naming the known ones', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', drainPath('europe-west1'), { token: t.tokens.operator, body: { reason: REASON } });
    expect([res.status, await res.json()]).toEqual([
      404,
      { code: 'not_found', message: 'region europe-west1 is not part of the fleet', details: { knownRegions: [TOKYO, OSAKA] } },
    ]);
  });

  it('an unexpected failure answers 500 without details, logs once, and leaves no trace', async () => {
    const t = await apiTestApp();
    // The next read of the config cluster fails, with a credential in its message.
    t.fleet.container.fail('getCluster', new Error(`upstream refused Authorization: Bearer ${t.tokens.admin}`), 1);
    const headers = { 'idempotency-key': 'retry-me' };
    const failed = await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON }, headers });
    expect([failed.status, await failed.json()]).toEqual([500, { code: 'internal', message: 'internal error' }]);
    expect(t.logLines.filter((line) => line.includes('"severity":"ERROR"'))).toHaveLength(1);
    expect(t.logLines.join('\n')).not.toContain(t.tokens.admin);
    // A failed first attempt frees its key: the retry acts.
    expect(idempotencyRecords(t)).toEqual([]);
    const retry = await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON }, headers });
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(await t.drained()).toEqual([TOKYO]);
  });

  it('a backend that is down answers 503 with Retry-After, and the retry acts', async () => {
    const t = await apiTestApp();
    t.fleet.container.fail('getCluster', Object.assign(new Error('The service is currently unavailable'), { code: 14 }), 1);
    const headers = { 'idempotency-key': 'retry-after-outage' };
    const failed = await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON }, headers });
    expect([failed.status, failed.headers.get('retry-after'), ((await failed.json()) as { code: string }).code]).toEqual([
      503,
      '5',
      'unavailable',
    ]);
    expect(await t.drained()).toEqual([]);
    const retry = await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON }, headers });
    expect(retry.status).toBe(200);
    expect(await t.drained()).toEqual([TOKYO]);
  });
});

describe('Idempotency-Key', () => {
  const send = (t: ApiTestApp, key: string, body: unknown, token = t.tokens.operator, path = drainPath(TOKYO)) =>
    t.call('POST', path, { token, body, headers: { 'idempotency-key': key } });

  it('the same key and body twice: the same answer, replayed, and the fleet acted once', async () => {
    const t = await apiTestApp();
    const first = await send(t, 'drain-tokyo-1', { reason: REASON });
    const firstBody = await first.text();
    const second = await send(t, 'drain-tokyo-1', { reason: REASON });
    expect([first.status, first.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect([second.status, second.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(await second.text()).toBe(firstBody);
    expect(operationsIn(t)).toHaveLength(1);
    expect(operationsIn(t)[0]?.trigger.requestId).toMatch(/^idem-[0-9a-f]{32}$/);
    expect(await t.drained()).toEqual([TOKYO]);
    expect(idempotencyRecords(t)).toHaveLength(1);
  });

  it('a request refused before acting (400) frees its key: the corrected retry with the same key acts', async () => {
    const t = await apiTestApp();
    const bad = await send(t, 'fix-me', { reason: 'no' });
    expect(bad.status).toBe(400);
    expect(idempotencyRecords(t)).toEqual([]);
    const fixed = await send(t, 'fix-me', { reason: REASON });
    expect([fixed.status, fixed.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(operationsIn(t)).toHaveLength(1);
  });

  it.each<[string, unknown, string]>([
    ['a different body', { reason: 'another reason' }, drainPath(TOKYO)],
    ['a different path', { reason: REASON }, restorePath(TOKYO)],
  ])('the same key with %s → 422', async (_name, body, path) => {
    const t = await apiTestApp();
    expect((await send(t, 'k-1', { reason: REASON })).status).toBe(200);
    const res = await send(t, 'k-1', body, t.tokens.operator, path);
    expect([res.status, ((await res.json()) as ErrorBody).code]).toEqual([422, 'idempotency_key_reused']);
    expect(operationsIn(t)).toHaveLength(1);
    expect(await t.drained()).toEqual([TOKYO]);
  });

  it('two concurrent requests with one key: the fleet acts once', async () => {
    const t = await apiTestApp();
    const answers = await Promise.all([send(t, 'racing', { reason: REASON }), send(t, 'racing', { reason: REASON })]);
    const statuses = answers.map((r) => `${r.status}${r.headers.get('idempotent-replayed') ? ' replayed' : ''}`).sort();
    expect([
      ['200', '409'],
      ['200', '200 replayed'],
    ]).toContainEqual(statuses);
    expect(operationsIn(t)).toHaveLength(1);
  });

  it('keys are scoped to the principal', async () => {
    const t = await apiTestApp();
    expect((await send(t, 'shared-key', { reason: REASON })).status).toBe(200);
    const other = await send(t, 'shared-key', { reason: REASON }, t.tokens.admin);
    expect([other.status, other.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(
      operationsIn(t)
        .map((o) => o.principal)
        .sort(),
    ).toEqual([PRINCIPALS.admin, PRINCIPALS.operator]);
  });

  it('a refusal is replayed as the same refusal, without acting again', async () => {
    const t = await apiTestApp();
    await t.call('POST', drainPath(OSAKA), { token: t.tokens.operator, body: { reason: REASON } });
    aSecondLater(t);
    const first = await send(t, 'refuse-me', { reason: REASON });
    const second = await send(t, 'refuse-me', { reason: REASON });
    expect([first.status, second.status, second.headers.get('idempotent-replayed')]).toEqual([409, 409, 'true']);
    expect(await second.json()).toEqual(await first.json());
    expect(operationsIn(t).filter((o) => o.result === 'refused')).toHaveLength(1);
  });

  it('a key is kept 24 hours; after that it may be used again', async () => {
    const t = await apiTestApp();
    expect((await send(t, 'daily', { reason: REASON })).status).toBe(200);
    t.clock.advance(23 * 3600_000);
    expect((await send(t, 'daily', { reason: REASON })).headers.get('idempotent-replayed')).toBe('true');
    t.clock.advance(2 * 3600_000);
    const later = await send(t, 'daily', { reason: 'a new incident, the same key' });
    expect([later.status, later.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(operationsIn(t)).toHaveLength(2);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After per principal, and lets the caller in again once time passed', async () => {
    const t = await apiTestApp({ ratePerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await t.call('GET', '/v1/fleet', { token: t.tokens.viewer })).status).toBe(200);
    const limited = await t.call('GET', '/v1/fleet', { token: t.tokens.viewer });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(await limited.json()).toEqual({
      code: 'resource_exhausted',
      message: `rate limit exceeded for ${PRINCIPALS.viewer}; retry in 20 s`,
      details: { retryAfterSeconds: 20 },
    });
    // Another principal has its own bucket; a limited mutation does not act.
    expect((await t.call('GET', '/v1/fleet', { token: t.tokens.operator })).status).toBe(200);
    expect((await t.call('POST', '/v1/plan', { token: t.tokens.viewer, body: { action: 'reconcile' } })).status).toBe(429);
    t.clock.advance(20_000);
    expect((await t.call('GET', '/v1/fleet', { token: t.tokens.viewer })).status).toBe(200);
    expect((await t.call('GET', '/v1/fleet', { token: t.tokens.viewer })).status).toBe(429);
  });
});

describe('GET /v1/operations', () => {
  /** Eight operations over five minutes; some start at the same instant. */
  async function history(): Promise<{ t: ApiTestApp; all: OperationRecord[] }> {
    const t = await apiTestApp();
    const act = async (path: string, token: string, body: unknown) =>
      expect((await t.call('POST', path, { token, body })).status).toBe(200);
    await act(drainPath(TOKYO), t.tokens.operator, { reason: REASON });
    await act('/v1/reconcile', t.tokens.operator, {});
    t.clock.advance(60_000);
    await act(restorePath(TOKYO), t.tokens.operator, { reason: 'fixed' });
    t.clock.advance(60_000);
    await act(drainPath(OSAKA), t.tokens.admin, { reason: 'osaka maintenance' });
    await act('/v1/clusters/onboard', t.tokens.admin, { location: 'asia-northeast1-a', name: 'tokyo-1' });
    await act('/v1/clusters/onboard', t.tokens.admin, { membership: `projects/${PROJECT}/locations/global/memberships/osaka-1` });
    t.clock.advance(180_000);
    await act(restorePath(OSAKA), t.tokens.operator, { reason: 'maintenance done' });
    await act('/v1/reconcile', t.tokens.operator, {});
    const all = operationsIn(t).sort((a, b) =>
      a.startedAt === b.startedAt ? b.id.localeCompare(a.id) : b.startedAt.localeCompare(a.startedAt),
    );
    return { t, all };
  }
  const list = async (t: ApiTestApp, query: string) => {
    const res = await t.call('GET', `/v1/operations${query}`, { token: t.tokens.viewer });
    return { status: res.status, body: (await res.json()) as { operations: OperationRecord[]; nextPageToken: string | null } & ErrorBody };
  };

  it.each<[string, string, (o: OperationRecord) => boolean]>([
    ['everything', '', () => true],
    ['by kind', '?kind=manual-drain', (o) => o.kind === 'manual-drain'],
    ['by region', `?region=${TOKYO}`, (o) => o.region === TOKYO],
    ['by kind and region', `?kind=manual-restore&region=${OSAKA}`, (o) => o.kind === 'manual-restore' && o.region === OSAKA],
    ['by cluster', `?cluster=${PROJECT}/asia-northeast1-a/tokyo-1`, (o) => o.cluster === `${PROJECT}/asia-northeast1-a/tokyo-1`],
    ['since', '?since=2025-05-01T12:02:00Z', (o) => o.startedAt >= '2025-05-01T12:02:00.000Z'],
    ['until, with an offset', '?until=2025-05-01T21:01:00%2B09:00', (o) => o.startedAt <= '2025-05-01T12:01:00.000Z'],
    ['a kind nobody ran', '?kind=offboard', () => false],
  ])('filters %s, newest first', async (_name, query, keep) => {
    const { t, all } = await history();
    const { status, body } = await list(t, query);
    expect(status).toBe(200);
    expect(body.operations.map((o) => o.id)).toEqual(all.filter(keep).map((o) => o.id));
    expect(body.operations.length).toBeGreaterThanOrEqual(_name === 'a kind nobody ran' ? 0 : 1);
    for (const o of body.operations) OperationSchema.parse(o);
  });

  it.each([1, 2, 3, 7, 8, 100])('pages of %i return every record exactly once, in order', async (pageSize) => {
    const { t, all } = await history();
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await list(t, `?pageSize=${pageSize}${token ? `&pageToken=${token}` : ''}`);
      expect(status).toBe(200);
      expect(body.operations.length).toBeLessThanOrEqual(pageSize);
      seen.push(...body.operations.map((o) => o.id));
      token = body.nextPageToken;
      expect(++pages).toBeLessThan(20);
    } while (token);
    expect(seen).toEqual(all.map((o) => o.id));
  });

  it('pages within a filter', async () => {
    const { t, all } = await history();
    // Tokyo's drain and restore, and the onboarding of tokyo-1 (in Tokyo's region): one per page, then an empty last page.
    const expected = all.filter((o) => o.region === TOKYO).map((o) => o.id);
    expect(expected).toHaveLength(3);
    const seen: string[] = [];
    let page = await list(t, `?region=${TOKYO}&pageSize=1`);
    for (let i = 0; i < expected.length; i++) {
      seen.push(...page.body.operations.map((o) => o.id));
      page = await list(t, `?region=${TOKYO}&pageSize=1&pageToken=${page.body.nextPageToken}`);
    }
    expect(seen).toEqual(expected);
    expect(page.body).toEqual({ operations: [], nextPageToken: null });
  });

  it.each<[string, string, string]>([
    ['a page token that is not ours', '?pageToken=bm90LWEtdG9rZW4', 'pageToken'],
    ['a page token of the wrong shape', `?pageToken=${Buffer.from('["a"]').toString('base64url')}`, 'pageToken'],
    ['a page token over 500 characters', `?pageToken=${'a'.repeat(501)}`, 'pageToken'],
    ['page size 0', '?pageSize=0', 'pageSize'],
    ['page size 101', '?pageSize=101', 'pageSize'],
    ['a page size that is no number', '?pageSize=ten', 'pageSize'],
    ['a bad kind', '?kind=Manual_Drain', 'kind'],
    ['a bad region', '?region=tokyo', 'region'],
    ['a bad cluster', '?cluster=tokyo-1', 'cluster'],
    ['a time without a zone', '?since=2025-05-01T12:00:00', 'since'],
    ['an impossible date', '?until=2025-02-30T00:00:00Z', 'until'],
  ])('%s → 400 naming it', async (_name, query, field) => {
    const { t } = await history();
    const { status, body } = await list(t, query);
    expect([status, body.code]).toEqual([400, 'invalid_argument']);
    expect(body.message).toContain(field);
  });

  it('reads one operation; an unknown or malformed id answers 404 or 400', async () => {
    const { t, all } = await history();
    const one = all[3]!;
    const res = await t.call('GET', `/v1/operations/${one.id}`, { token: t.tokens.viewer });
    expect([res.status, await res.json()]).toEqual([200, one]);
    const missing = await t.call('GET', '/v1/operations/op-9999', { token: t.tokens.viewer });
    expect([missing.status, await missing.json()]).toEqual([404, { code: 'not_found', message: 'operation op-9999 does not exist' }]);
    const malformed = await t.call('GET', '/v1/operations/op%20one', { token: t.tokens.viewer });
    expect([malformed.status, ((await malformed.json()) as ErrorBody).message]).toEqual([
      400,
      'invalid request: id: must be an operation id',
    ]);
  });
});

describe('POST /v1/plan', () => {
  it.each<[string, unknown, string]>([
    ['drain', { action: 'drain', region: TOKYO, reason: 'what if' }, 'planned'],
    ['restore', { action: 'restore', region: TOKYO, reason: 'what if' }, 'planned'],
    ['reconcile', { action: 'reconcile' }, 'planned'],
  ])('a viewer plans a %s: 200, nothing changes', async (_name, body, result) => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/plan', { token: t.tokens.viewer, body });
    const answer = ManualResultSchema.parse(await res.json());
    expect([res.status, answer.result]).toEqual([200, result]);
    expect(await t.drained()).toEqual([]);
    expect(operationsIn(t)).toEqual([]);
  });

  it('a plan a guard would refuse is still an answer: 200 with result refused', async () => {
    const t = await apiTestApp();
    await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON } });
    aSecondLater(t);
    const res = await t.call('POST', '/v1/plan', { token: t.tokens.viewer, body: { action: 'drain', region: OSAKA, reason: 'what if' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ result: 'refused', refusal: { guard: 'last-serving-region' } });
    expect(await t.drained()).toEqual([TOKYO]);
    expect(operationsIn(t)).toHaveLength(1);
  });

  it.each<[string, unknown, string]>([
    ['an unknown action', { action: 'nuke' }, 'action'],
    ['a drain without a reason', { action: 'drain', region: TOKYO }, 'reason'],
    ['a drain of a bad region', { action: 'drain', region: 'Tokyo', reason: 'what if' }, 'region'],
    ['reconcile with extra fields', { action: 'reconcile', region: TOKYO }, '"region"'],
  ])('%s → 400 naming the field', async (_name, body, field) => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/plan', { token: t.tokens.viewer, body });
    const answer = (await res.json()) as ErrorBody;
    expect([res.status, answer.code]).toEqual([400, 'invalid_argument']);
    expect(answer.message).toContain(field);
  });
});

describe('POST /v1/clusters/onboard and /offboard', () => {
  it.each<[string, unknown, number, string]>([
    ['location and name', { location: 'asia-northeast1-a', name: 'tokyo-1' }, 200, 'succeeded'],
    ['a membership', { membership: `projects/${PROJECT}/locations/global/memberships/tokyo-1` }, 200, 'succeeded'],
    ['a dry run', { location: 'asia-northeast1-a', name: 'tokyo-1', dryRun: true }, 200, 'planned'],
    [
      'both a membership and a name',
      { location: 'asia-northeast1-a', name: 'tokyo-1', membership: `projects/${PROJECT}/locations/global/memberships/tokyo-1` },
      400,
      'membership',
    ],
    ['a name alone', { name: 'tokyo-1' }, 400, 'membership'],
    ['a bad cluster name', { location: 'asia-northeast1-a', name: 'Tokyo_1' }, 400, 'name'],
  ])('onboard with %s', async (_name, body, status, expected) => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/clusters/onboard', { token: t.tokens.admin, body });
    const answer = (await res.json()) as { result?: string; message?: string };
    expect(res.status).toBe(status);
    if (status === 200) expect(answer.result).toBe(expected);
    else expect(answer.message).toContain(expected);
    expect(t.fleet.clusterRecord('tokyo-1')?.phase).toBe(status === 200 && expected === 'succeeded' ? 'onboarded' : undefined);
    const exported = await t.fleet
      .kube('tokyo-1')
      .get({ apiVersion: 'net.gke.io/v1', kind: 'ServiceExport', namespace: 'store', name: 'store-asia-northeast1' });
    expect(exported !== null).toBe(expected === 'succeeded');
  });

  it('offboarding a cluster the fleet does not know answers 404', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/clusters/offboard', {
      token: t.tokens.admin,
      body: { location: 'asia-northeast1-a', name: 'ghost' },
    });
    expect([res.status, ((await res.json()) as ErrorBody).code]).toEqual([404, 'not_found']);
  });
});

describe('readiness, reads and body limit', () => {
  it('/readyz answers 200 when every dependency answers and 503 otherwise; the detail needs a credential', async () => {
    const t = await apiTestApp();
    const ready = await t.app.request('/readyz');
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    t.ops.dependencies.container = { ok: false, latencyMs: 3000, error: 'no answer within 3000 ms' };
    t.clock.advance(60_000); // past the cached result (test/unit/readiness.test.ts covers the cache)
    const notReady = await t.call('GET', '/readyz', { token: t.tokens.viewer });
    expect([notReady.status, await notReady.json()]).toMatchObject([
      503,
      { status: 'not ready', dependencies: { container: { ok: false }, firestore: { ok: true } } },
    ]);
    const without = await (await apiTestApp({ withoutApi: true })).app.request('/readyz');
    expect([without.status, await without.json()]).toEqual([503, { status: 'not ready' }]);
  });

  it('reads the fleet, its clusters, regions and routes', async () => {
    const t = await apiTestApp();
    await t.call('POST', drainPath(TOKYO), { token: t.tokens.operator, body: { reason: REASON } });
    const get = async (path: string) => (await t.call('GET', path, { token: t.tokens.viewer })).json() as Promise<Record<string, unknown>>;
    expect(await get('/v1/fleet/regions')).toMatchObject({
      regions: [
        { region: TOKYO, drained: true, serving: false, manualHold: { by: PRINCIPALS.operator, reason: REASON } },
        { region: OSAKA, serving: true },
      ],
    });
    const clusters = [
      ['tokyo-1', 'not-onboarded'],
      ['mc-gw-config-cluster', 'not-onboarded'],
      ['mc-gw-tokyo', 'onboarded'],
      ['osaka-1', 'not-onboarded'],
      ['mc-gw-osaka', 'onboarded'],
    ];
    const fleet = (await get('/v1/fleet')) as { clusters: { name: string; phase: string }[]; observedAt: string };
    expect([fleet.clusters.map((c) => [c.name, c.phase]), fleet.observedAt]).toEqual([clusters, '2025-05-01T12:00:00.000Z']);
    expect(await get('/v1/fleet/clusters')).toEqual({ clusters: fleet.clusters });
    expect(await get('/v1/routes')).toMatchObject({
      routes: [
        {
          service: 'store',
          namespace: 'store',
          diff: [],
          trafficMoved: 0,
          shares: { live: { [`store-${TOKYO}`]: 0, [`store-${OSAKA}`]: 1 } },
        },
      ],
    });
  });

  it.each<[string, number, Record<string, string>, number]>([
    ['exactly 64 KiB is read (and validated)', 64 * 1024, {}, 400],
    ['one byte more is refused', 64 * 1024 + 1, {}, 413],
    ['a large declared length is refused', 100, { 'content-length': String(64 * 1024 + 1) }, 413],
  ])('%s', async (_name, size, headers, status) => {
    const t = await apiTestApp();
    const prefix = '{"reason":"';
    const body = `${prefix}${'x'.repeat(size - prefix.length - 2)}"}`;
    expect(body.length).toBe(size);
    const res = await t.app.request(drainPath(TOKYO), {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.operator}`, 'content-type': 'application/json', ...headers },
      body,
    });
    const answer = (await res.json()) as ErrorBody;
    expect([res.status, answer.code]).toEqual([status, status === 413 ? 'payload_too_large' : 'invalid_argument']);
    expect(await t.drained()).toEqual([]);
  });
});
