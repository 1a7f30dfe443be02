import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleIdTokenVerifier } from '../../services/api/id-token.ts';
import { API_TOKENS, hashToken, revokeApiToken } from '../../services/api/tokens.ts';
import { OPERATIONS } from '../../shared/state/operations.ts';
import { apiTestApp, PRINCIPALS, startFakeGoogleCerts, type FakeGoogleCerts } from '../support/api-fakes.ts';

const AUDIENCE = 'https://fleetpilot-abc123-an.a.run.app';
const EMAIL = 'oncall@example.com';
const DRAIN = '/v1/regions/asia-northeast1/drain';
const REASON = { reason: 'bad deploy in tokyo' };
const ONBOARD = { location: 'asia-northeast1-a', name: 'tokyo-1' };

type Who = 'viewer' | 'operator' | 'admin';

describe('API tokens and roles', () => {
  it.each<[string, Record<string, string>, number, string]>([
    ['no Authorization header', {}, 401, 'missing credentials'],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }, 401, 'Authorization must be "Bearer TOKEN"'],
    ['Bearer without a token', { authorization: 'Bearer ' }, 401, 'Authorization must be "Bearer TOKEN"'],
    ['two tokens', { authorization: 'Bearer fpt_a fpt_b' }, 401, 'Authorization must be "Bearer TOKEN"'],
    ['an unknown API token', { authorization: `Bearer fpt_${'A'.repeat(43)}` }, 401, 'unknown or revoked API token'],
    ['a token without the prefix', { authorization: 'Bearer not-a-fleetpilot-token' }, 401, 'unknown or revoked API token'],
    ['a JWT-shaped token without an ID-token verifier', { authorization: 'Bearer aaa.bbb.ccc' }, 401, 'Google ID tokens are not accepted'],
  ])('%s → %i with a Bearer challenge', async (_name, headers, status, message) => {
    const t = await apiTestApp();
    const res = await t.app.request('/v1/fleet', { headers });
    const body = (await res.json()) as { code: string; message: string };
    expect(res.status).toBe(status);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="fleetpilot"');
    expect(body.code).toBe('unauthenticated');
    expect(body.message).toContain(message);
    expect(t.store.docs.has(`${OPERATIONS}/op-0001`)).toBe(false);
  });

  it.each<[string, Who, string, string, unknown, number, string | undefined]>([
    ['viewer reads the fleet', 'viewer', 'GET', '/v1/fleet', undefined, 200, undefined],
    ['viewer reads the operations', 'viewer', 'GET', '/v1/operations', undefined, 200, undefined],
    ['viewer may plan', 'viewer', 'POST', '/v1/plan', { action: 'drain', region: 'asia-northeast1', ...REASON }, 200, undefined],
    ['viewer may not drain', 'viewer', 'POST', DRAIN, REASON, 403, 'operator'],
    ['viewer may not reconcile', 'viewer', 'POST', '/v1/reconcile', {}, 403, 'operator'],
    ['operator drains', 'operator', 'POST', DRAIN, REASON, 200, undefined],
    ['operator reconciles', 'operator', 'POST', '/v1/reconcile', {}, 200, undefined],
    ['operator may not onboard', 'operator', 'POST', '/v1/clusters/onboard', ONBOARD, 403, 'admin'],
    ['admin onboards', 'admin', 'POST', '/v1/clusters/onboard', ONBOARD, 200, undefined],
    ['admin may drain (roles are ordered)', 'admin', 'POST', DRAIN, REASON, 200, undefined],
  ])('%s', async (_name, who, method, path, body, status, required) => {
    const t = await apiTestApp();
    const res = await t.call(method, path, { token: t.tokens[who], body });
    const answer = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(answer)).toBe(status);
    if (required) {
      expect(answer).toMatchObject({ code: 'permission_denied', details: { required, role: who } });
      expect(answer.message).toBe(`${method} ${path} needs the ${required} role; ${PRINCIPALS[who]} is ${who}`);
    }
    // Only an allowed mutation leaves a trace: refused calls change nothing.
    const recorded = [...t.store.docs.keys()].filter((k) => k.startsWith(`${OPERATIONS}/`));
    expect(recorded).toHaveLength(status === 200 && method === 'POST' && path !== '/v1/plan' ? 1 : 0);
    expect(await t.drained()).toEqual(status === 200 && path === DRAIN ? ['asia-northeast1'] : []);
  });

  it('accepts the scheme in any case', async () => {
    const t = await apiTestApp();
    expect((await t.app.request('/v1/fleet', { headers: { authorization: `bearer ${t.tokens.viewer}` } })).status).toBe(200);
  });

  it('refuses a revoked token and keeps the others working', async () => {
    const t = await apiTestApp();
    expect((await t.call('GET', '/v1/fleet', { token: t.tokens.operator })).status).toBe(200);
    expect(await revokeApiToken(t.store, t.clock, t.tokens.operator)).toBe(true);
    const res = await t.call('POST', DRAIN, { token: t.tokens.operator, body: REASON });
    expect([res.status, await res.json()]).toEqual([401, { code: 'unauthenticated', message: 'unknown or revoked API token' }]);
    expect(await t.drained()).toEqual([]);
    expect((await t.call('GET', '/v1/fleet', { token: t.tokens.viewer })).status).toBe(200);
    expect(await revokeApiToken(t.store, t.clock, 'fpt_never-issued')).toBe(false);
  });

  it('stores tokens only as their SHA-256 hash', async () => {
    const t = await apiTestApp();
    const everything = JSON.stringify([...t.store.docs]);
    for (const [who, token] of Object.entries(t.tokens)) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.slice(4));
      expect(t.store.docs.get(`${API_TOKENS}/${hashToken(token)}`)).toMatchObject({
        principal: PRINCIPALS[who as keyof typeof PRINCIPALS],
        role: who,
        revoked: false,
      });
    }
  });

  it('never echoes a credential in a response', async () => {
    const t = await apiTestApp();
    const attempts = [
      `Bearer ${t.tokens.viewer}x`,
      `Bearer ${t.tokens.viewer} ${t.tokens.admin}`,
      `Basic ${t.tokens.admin}`,
      `Bearer ${t.tokens.viewer}`,
    ];
    for (const authorization of attempts) {
      const res = await t.app.request(DRAIN, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(REASON),
      });
      const text = await res.text();
      expect(res.status).toBeGreaterThanOrEqual(401);
      for (const token of Object.values(t.tokens)) expect(text).not.toContain(token.slice(4, 20));
    }
  });

  it('without the operations API every /v1 route answers 503', async () => {
    const t = await apiTestApp({ withoutApi: true });
    const res = await t.call('GET', '/v1/fleet', { token: t.tokens.viewer });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([503, 'unavailable']);
  });
});

describe('Google ID tokens (real verifier, local certificate endpoint)', () => {
  let google: FakeGoogleCerts;
  beforeAll(async () => {
    google = await startFakeGoogleCerts();
  });
  afterAll(async () => {
    await google.close();
  });

  const app = () =>
    apiTestApp({ idTokens: googleIdTokenVerifier({ audience: AUDIENCE, certsUrl: google.certsUrl }), principals: { [EMAIL]: 'operator' } });
  const now = () => Math.floor(Date.now() / 1000);

  it('a valid token of a mapped email drains, and the operation names the email', async () => {
    const t = await app();
    const token = google.sign({ audience: AUDIENCE, email: 'OnCall@Example.com' });
    const res = await t.call('POST', DRAIN, { token, body: REASON });
    const body = (await res.json()) as { result: string; operation: { id: string; principal: string } };
    expect([res.status, body.result, body.operation.principal]).toEqual([200, 'succeeded', EMAIL]);
    expect(t.store.docs.get(`${OPERATIONS}/${body.operation.id}`)).toMatchObject({
      principal: EMAIL,
      kind: 'manual-drain',
      region: 'asia-northeast1',
    });
    expect((await t.hold('asia-northeast1'))?.by).toBe(EMAIL);
    // The operator's role holds: onboarding needs admin.
    const onboard = await t.call('POST', '/v1/clusters/onboard', { token, body: ONBOARD });
    expect([onboard.status, ((await onboard.json()) as { message: string }).message]).toEqual([
      403,
      `POST /v1/clusters/onboard needs the admin role; ${EMAIL} is operator`,
    ]);
    const detail = await t.call('GET', `/v1/operations/${body.operation.id}`, { token });
    expect(((await detail.json()) as { principal: string }).principal).toBe(EMAIL);
  });

  it('fetches the certificates once and then uses the cache', async () => {
    const t = await app();
    const before = google.fetches();
    for (let i = 0; i < 3; i++) expect((await t.call('GET', '/v1/fleet', { token: google.sign({ audience: AUDIENCE }) })).status).toBe(200);
    expect(google.fetches() - before).toBe(1);
  });

  it('answers 503 (retry) when the certificates cannot be fetched: not a bad token, and not "bad signature"', async () => {
    const t = await apiTestApp({
      idTokens: googleIdTokenVerifier({ audience: AUDIENCE, certsUrl: `${google.certsUrl}/gone` }),
      principals: { [EMAIL]: 'operator' },
    });
    const res = await t.call('GET', '/v1/fleet', { token: google.sign({ audience: AUDIENCE }) });
    expect([res.status, res.headers.get('retry-after'), ((await res.json()) as { code: string }).code]).toEqual([503, '5', 'unavailable']);
  });

  it.each<[string, () => string, number, string]>([
    ['wrong audience', () => google.sign({ audience: 'https://someone-else.example' }), 401, 'ID token rejected: wrong audience'],
    ['expired', () => google.sign({ audience: AUDIENCE, iat: now() - 7200, exp: now() - 3600 }), 401, 'ID token rejected: expired'],
    [
      'expired, with an email that says "audience"',
      () => google.sign({ audience: AUDIENCE, email: 'audience-team@example.com', iat: now() - 7200, exp: now() - 3600 }),
      401,
      'ID token rejected: expired',
    ],
    [
      'not yet valid',
      () => google.sign({ audience: AUDIENCE, iat: now() + 3600, exp: now() + 7200 }),
      401,
      'ID token rejected: not yet valid',
    ],
    [
      'signed with another key',
      () => google.sign({ audience: AUDIENCE }, { key: google.strangerKey }),
      401,
      'ID token rejected: bad signature',
    ],
    ['an unknown key id', () => google.sign({ audience: AUDIENCE }, { kid: 'rotated-away' }), 401, 'ID token rejected: bad signature'],
    [
      'a tampered payload',
      () => tamper(google.sign({ audience: AUDIENCE, email: 'viewer@example.com' })),
      401,
      'ID token rejected: bad signature',
    ],
    ['another issuer', () => google.sign({ audience: AUDIENCE, iss: 'https://evil.example' }), 401, 'ID token rejected: wrong issuer'],
    [
      'an unverified email',
      () => google.sign({ audience: AUDIENCE, email_verified: false }),
      401,
      'ID token rejected: its email is not verified',
    ],
    ['no email claim', () => google.sign({ audience: AUDIENCE, email: undefined }), 401, 'ID token rejected: it carries no email claim'],
    ['an unsigned token (alg none, no key id)', () => 'eyJhbGciOiJub25lIn0.e30.c2ln', 401, 'ID token rejected: bad signature'],
    ['a JWT-shaped string that is no JWT', () => 'aaaa.bbbb.cccc', 401, 'ID token rejected: malformed token'],
    [
      'an unmapped email',
      () => google.sign({ audience: AUDIENCE, email: 'stranger@example.com' }),
      403,
      'stranger@example.com has no fleetpilot role; ask an admin to add it',
    ],
  ])('%s', async (_name, token, status, message) => {
    const t = await app();
    const jwt = token();
    const res = await t.call('POST', DRAIN, { token: jwt, body: REASON });
    const text = await res.text();
    expect(res.status).toBe(status);
    expect(JSON.parse(text)).toEqual({ code: status === 401 ? 'unauthenticated' : 'permission_denied', message });
    if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer realm="fleetpilot"');
    expect(text).not.toContain(jwt.split('.')[1]);
    expect(await t.drained()).toEqual([]);
    expect(t.logLines.join('\n')).not.toContain(jwt);
  });
});

/** Replaces the payload of a signed token, keeping its header and signature. */
function tamper(jwt: string): string {
  const [head, payload, signature] = jwt.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return `${head}.${Buffer.from(JSON.stringify({ ...claims, email: EMAIL })).toString('base64url')}.${signature}`;
}
