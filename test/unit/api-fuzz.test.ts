import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleIdTokenVerifier } from '../../services/api/id-token.ts';
import { revokeApiToken } from '../../services/api/tokens.ts';
import {
  apiTestApp,
  REGIONS,
  SLACK_SECRET,
  startFakeGoogleCerts,
  WEBHOOK_SECRET,
  type ApiTestApp,
  type FakeGoogleCerts,
} from '../support/api-fakes.ts';

const AUDIENCE = 'https://fleetpilot-fuzz.example.run.app';
/** The fuzz drives the real fleet operations (in memory): thousands of requests take several seconds. */
const FUZZ_TIMEOUT_MS = 120_000;

/** Route templates with their method: every route the app serves, a few it does not, with `{p}` for a path parameter. */
const TEMPLATES: [string, string][] = [
  ['GET', '/healthz'],
  ['GET', '/health'],
  ['GET', '/readyz'],
  ['GET', '/openapi.json'],
  ['POST', '/webhooks/github'],
  ['POST', '/webhooks/gitlab'],
  ['POST', '/slack/commands'],
  ['GET', '/v1/fleet'],
  ['GET', '/v1/fleet/clusters'],
  ['GET', '/v1/fleet/regions'],
  ['GET', '/v1/routes'],
  ['POST', '/v1/regions/{p}/drain'],
  ['POST', '/v1/regions/{p}/restore'],
  ['POST', '/v1/clusters/onboard'],
  ['POST', '/v1/clusters/offboard'],
  ['POST', '/v1/reconcile'],
  ['POST', '/v1/plan'],
  ['GET', '/v1/operations'],
  ['GET', '/v1/operations/{p}'],
  ['GET', '/v1/'],
  ['GET', '/v1/fleet/'],
  ['POST', '/v1/regions/{p}'],
  ['GET', '/v1/nope'],
  ['GET', '/'],
  ['POST', '/{p}'],
];
const V1_MUTATIONS = TEMPLATES.filter(([m, p]) => m === 'POST' && p.startsWith('/v1/') && p !== '/v1/regions/{p}');

/** `arbitrary` one time in five, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, arbitrary);
const ascii = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });
const pathParam = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('asia-northeast1', 'asia-northeast2', 'europe-west1', 'op-0001', 'op-0002', '') },
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  ascii(40).map((s) => s.replace(/[#?/]/g, '')),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%2F', '%00', 'a%2Fb', '__proto__', 'constructor', 'x'.repeat(300)),
);
const queryValue = fc.oneof(
  ascii(30),
  fc.constantFrom('manual-drain', 'asia-northeast1', '2025-05-01T12:00:00Z', '0', '100', '101', '-1', '1e3', 'WyJhIiwiYiJd', ''),
);
const query = fc.option(
  fc
    .array(
      fc.tuple(fc.constantFrom('kind', 'region', 'cluster', 'since', 'until', 'pageSize', 'pageToken', 'x', '__proto__'), queryValue),
      { maxLength: 4 },
    )
    .map((pairs) => `?${new URLSearchParams(pairs).toString()}`),
  { freq: 3 },
);

const REASON = 'fuzzing the api';
const plausibleBody = fc.constantFrom<unknown>(
  { reason: REASON },
  { reason: REASON, dryRun: true },
  { reason: REASON, dryRun: false },
  {},
  { action: 'drain', region: 'asia-northeast1', reason: REASON },
  { action: 'restore', region: 'asia-northeast2', reason: REASON },
  { action: 'reconcile' },
  { location: 'asia-northeast1-a', name: 'tokyo-1' },
  { membership: 'projects/p/locations/global/memberships/m' },
  { dryRun: true },
);
const body = fc.oneof(
  { weight: 8, arbitrary: plausibleBody.map((value) => JSON.stringify(value)) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(plausibleBody, fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
      .map(([b, k, v]) => JSON.stringify({ ...(b as object), [k]: v })),
  },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 20 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 1_000, max: 80_000 }))
    .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length))),
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => JSON.stringify({ reason: 'x'.repeat(n) })),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constant(undefined),
);

describe('API fuzz', () => {
  let google: FakeGoogleCerts;
  let t: ApiTestApp;
  let secrets: string[];
  let credentials: string[];
  /** Credentials the API accepts. */
  let valid: string[];
  const responses: string[] = [];
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    google = await startFakeGoogleCerts();
    t = await apiTestApp({
      withSlack: true,
      idTokens: googleIdTokenVerifier({ audience: AUDIENCE, certsUrl: google.certsUrl }),
      principals: { 'oncall@example.com': 'operator', 'boss@example.com': 'admin' },
    });
    const revoked = (await apiTestApp()).tokens.admin;
    await revokeApiToken(t.store, t.clock, revoked);
    const jwts = [
      google.sign({ audience: AUDIENCE }),
      google.sign({ audience: AUDIENCE, email: 'boss@example.com' }),
      google.sign({ audience: AUDIENCE, email: 'stranger@example.com' }),
      google.sign({ audience: 'https://elsewhere.example' }),
      google.sign({ audience: AUDIENCE }, { key: google.strangerKey }),
    ];
    valid = [...Object.values(t.tokens), jwts[0]!, jwts[1]!];
    credentials = [...valid, revoked, ...jwts.slice(2)];
    secrets = [
      ...credentials,
      ...credentials.map((c) => c.split('.').at(-1) ?? c),
      ...Object.values(t.tokens).map((c) => c.slice(4)),
      WEBHOOK_SECRET,
      SLACK_SECRET,
    ];
  });
  afterAll(async () => {
    await google.close();
  });

  const authorization = () =>
    fc.oneof(
      { weight: 24, arbitrary: fc.constantFrom(...valid).map((c) => `Bearer ${c}`) },
      { weight: 3, arbitrary: fc.constantFrom(...credentials).map((c) => `Bearer ${c}`) },
      fc.constant(undefined),
      ascii(60),
      ascii(60).map((s) => `Bearer ${s}`),
      fc.constantFrom(...credentials).map((c) => `Basic ${c}`),
      fc.tuple(fc.constantFrom(...credentials), ascii(3)).map(([c, s]) => `Bearer ${c}${s}`),
      fc
        .tuple(ascii(20), ascii(20), ascii(20))
        .map((parts) => `Bearer ${parts.map((p) => Buffer.from(p).toString('base64url') || 'e30').join('.')}`),
    );
  const request = () =>
    fc.record({
      route: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...V1_MUTATIONS) }, fc.constantFrom(...TEMPLATES)),
      param: pathParam,
      query,
      /** Usually the route's own method. */
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
      ),
      authorization: authorization(),
      contentType: fc.oneof(
        { weight: 10, arbitrary: fc.constant('application/json') },
        fc.constantFrom(
          undefined,
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
        ),
        ascii(40),
      ),
      idempotencyKey: sometimes(fc.oneof(fc.constantFrom('key-1', 'key-2', 'key-3'), ascii(220))),
      contentLength: sometimes(fc.oneof(fc.nat().map(String), fc.constantFrom('0', '-1', 'abc', '1e9', '65537'))),
      body,
    });

  it(
    'a few thousand random requests never answer 5xx or throw, and every error is {code, message}',
    async () => {
      await fc.assert(
        fc.asyncProperty(request(), async (r) => {
          const headers: Record<string, string> = {};
          if (r.authorization !== undefined) headers.authorization = r.authorization;
          if (r.contentType !== undefined) headers['content-type'] = r.contentType;
          if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
          if (r.contentLength !== null) headers['content-length'] = r.contentLength;
          const method = r.method ?? r.route[0];
          const withBody = method !== 'GET' && method !== 'HEAD' && r.body !== undefined;
          const path = r.route[1].replace('{p}', r.param) + (r.query ?? '');
          const res = await t.app.request(path, { method, headers, ...(withBody ? { body: r.body } : {}) });
          const text = await res.text();
          responses.push(text, JSON.stringify([...res.headers]));
          expect(res.status, `${method} ${path} → ${text.slice(0, 300)}`).toBeLessThan(500);
          if (method === 'HEAD') return;
          const answer = JSON.parse(text) as { code?: unknown; message?: unknown };
          if (res.status >= 400) {
            expect(typeof answer.code, text).toBe('string');
            expect(typeof answer.message, text).toBe('string');
          }
          const outcome = `${res.status}${typeof answer.code === 'string' ? ` ${answer.code}` : ''}`;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }),
        { numRuns: 3000 },
      );
      // The fuzz reaches every stage: authentication, roles, validation, limits, the operations.
      for (const outcome of [
        '200',
        '400 invalid_argument',
        '401 unauthenticated',
        '403 permission_denied',
        '404 not_found',
        '413 payload_too_large',
        '415 unsupported_media_type',
      ]) {
        expect(outcomes.get(outcome) ?? 0, `${outcome} in ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
      }
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'random drain/restore sequences with retried keys match a model: one action per key, never both regions drained',
    async () => {
      const command = fc.record({
        action: fc.constantFrom('drain' as const, 'restore' as const),
        region: fc.constantFrom(...REGIONS),
        dryRun: fc.boolean(),
        key: fc.option(fc.constantFrom('k1', 'k2', 'k3', 'k4')),
        who: fc.constantFrom('operator' as const, 'admin' as const),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(command, { maxLength: 12 }), async (commands) => {
          const s = await apiTestApp();
          const drained = new Set<string>();
          const keys = new Map<string, { fingerprint: string; status: number; body: string }>();
          let recorded = 0;
          for (const c of commands) {
            // A second between commands: the drain model orders requests of one instant by kind and region, not arrival.
            s.clock.advance(1_000);
            const path = `/v1/regions/${c.region}/${c.action}`;
            const text = JSON.stringify({ reason: `${c.action} ${c.region}`, dryRun: c.dryRun });
            const res = await s.app.request(path, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${s.tokens[c.who]}`,
                'content-type': 'application/json',
                ...(c.key ? { 'idempotency-key': c.key } : {}),
              },
              body: text,
            });
            const answer = await res.text();
            responses.push(answer);
            const scoped = `${c.who} ${c.key}`;
            const earlier = c.key ? keys.get(scoped) : undefined;
            if (earlier && earlier.fingerprint !== `${path} ${text}`) {
              expect(res.status).toBe(422);
            } else if (earlier) {
              expect([res.status, res.headers.get('idempotent-replayed'), answer]).toEqual([earlier.status, 'true', earlier.body]);
            } else {
              const refused = c.action === 'drain' && REGIONS.every((r) => r === c.region || drained.has(r));
              // A dry run a guard would refuse is a refusal too (409); only /v1/plan answers it with 200.
              expect(res.status, answer).toBe(refused ? 409 : 200);
              if (!c.dryRun) {
                recorded++;
                if (!refused && c.action === 'drain') drained.add(c.region);
                if (c.action === 'restore') drained.delete(c.region);
              }
              if (c.key) keys.set(scoped, { fingerprint: `${path} ${text}`, status: res.status, body: answer });
            }
            expect(await s.drained()).toEqual([...drained].sort());
            expect(drained.size).toBeLessThan(REGIONS.length);
          }
          expect([...s.store.docs.keys()].filter((k) => k.startsWith('operations/'))).toHaveLength(recorded);
        }),
        { numRuns: 200 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it('no response and no log line carries a token, a secret or a signed JWT', () => {
    expect(responses.length).toBeGreaterThan(1000);
    expect(t.logLines.length).toBeGreaterThan(0);
    const haystacks = { responses: responses.join('\n'), logs: t.logLines.join('\n') };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} contain ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
