/**
 * The operations API under test: the real app (`createApp`) with the real authentication, rate
 * limit, idempotency and OpenAPI routers, over an in-memory store, real API tokens, a fake
 * {@link FleetOps} that keeps its state in plain maps (and records operations in the store like the
 * real flows do), a mutable clock, and a logger whose lines are kept for assertions. Also a tiny
 * stand-in for Google's certificate endpoint, so that ID tokens go through the real verifier.
 */
import { readFileSync } from 'node:fs';
import { parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import { validateConfigText } from '../../shared/gitops/index.ts';
import { generateKeyPairSync, createSign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '../../services/app.ts';
import type { ApiDeps, DependencyStatus, FleetOps } from '../../services/api/deps.ts';
import type { IdTokenVerifier } from '../../services/api/id-token.ts';
import type { Principal, Role } from '../../services/api/principal.ts';
import { createRateLimiter } from '../../services/api/rate-limit.ts';
import { createApiToken } from '../../services/api/tokens.ts';
import type { SlackDeps, SlackOpInput } from '../../services/slack/deps.ts';
import type { GitPushMessage } from '../../services/webhooks/deps.ts';
import type { Clock } from '../../shared/core/clock.ts';
import { RequestError } from '../../shared/core/errors.ts';
import type { ClusterView, FleetView, RegionView } from '../../shared/ops/fleet-view.ts';
import type { ManualResult } from '../../shared/core/manual-result.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { createLogger, type Logger } from '../../shared/core/logger.ts';
import { memoryStore } from './memory-store.ts';
import { memoryMarkerStore } from './webhook-fakes.ts';

/** The regions of the fake fleet. */
export const REGIONS = ['asia-northeast1', 'asia-northeast2'] as const;

/** The GitHub webhook secret of the test app (must never appear in a response or a log line). */
export const WEBHOOK_SECRET = 'api-test-webhook-secret-0123456789abcdef';

/** Where the clock of every test app starts. */
export const START = new Date('2025-05-01T12:00:00Z');

/** Principals of the three API tokens. */
export const PRINCIPALS = { viewer: 'token:viewer', operator: 'token:operator', admin: 'token:admin' } as const;

/** A clock tests move by hand. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  set(at: Date): void;
}

/** A clock standing at `start` until moved. */
export function testClock(start: Date = START): TestClock {
  let at = start.getTime();
  return { now: () => new Date(at), advance: (ms) => void (at += ms), set: (d) => void (at = d.getTime()) };
}

/** The fake operations and the state they act on. */
export interface FakeOps extends FleetOps {
  /** Drained regions and who drained them (the manual hold). */
  readonly drained: Map<string, { id: string; by: string; reason: string; at: string }>;
  /** Onboarded clusters by `PROJECT/LOCATION/NAME`. */
  readonly onboarded: Set<string>;
  /** What `readiness()` answers; tests flip `ok`. */
  readonly dependencies: Record<string, DependencyStatus>;
  /** When set, the next operation throws it (then it is cleared). */
  failNext: Error | undefined;
}

/** The example fleet configuration (`examples/fleet.yaml`). */
export const EXAMPLE_CONFIG = readFileSync(new URL('../../examples/fleet.yaml', import.meta.url), 'utf8');

/** A fake fleet of {@link REGIONS}: drains and restores a region, refuses to drain the last serving one. */
export function fakeFleetOps(deps: { store: ApiDeps['store']; clock: Clock }): FakeOps {
  const drained: FakeOps['drained'] = new Map();
  const onboarded = new Set<string>();
  const dependencies: Record<string, DependencyStatus> = { firestore: { ok: true, latencyMs: 1 }, container: { ok: true, latencyMs: 2 } };
  let sequence = 0;
  // Zero-padded, so that string order is creation order (the store orders by startedAt, then id).
  const ids = () => `op-${String(++sequence).padStart(4, '0')}`;
  const recorder = { store: deps.store, clock: deps.clock, ids };
  const ops: FakeOps = {
    drained,
    onboarded,
    dependencies,
    failNext: undefined,
    fleet: async () => {
      failing();
      return view();
    },
    routes: async () => {
      failing();
      return [];
    },
    async manualDrain(request) {
      failing();
      const { action, region } = request;
      if (!(REGIONS as readonly string[]).includes(region)) throw new RequestError('not_found', `region ${region} is not part of the fleet`, { knownRegions: [...REGIONS] });
      const after = new Set(drained.keys());
      if (action === 'drain') after.add(region);
      else after.delete(region);
      const serving = REGIONS.filter((r) => !after.has(r));
      const refusal = action === 'drain' && serving.length === 0 ? { guard: 'last-serving-region', reason: `draining ${region} would leave no serving region` } : undefined;
      const plan = [`${action} ${region}`, `serving after: ${serving.join(', ') || 'none'}`];
      if (request.dryRun) {
        return { result: refusal ? 'refused' : 'planned', summary: `dry run: would ${action} ${region}${refusal ? ` (refused by ${refusal.guard})` : ''}`, plan, ...(refusal ? { refusal } : {}) };
      }
      const op = await startOperation(recorder, {
        kind: `manual-${action}`, trigger: { source: request.source, reason: request.reason, ...(request.requestId ? { requestId: request.requestId } : {}) },
        principal: request.principal, subject: `region/${region}`, region,
      });
      op.plan(plan);
      if (refusal) {
        const operation = await op.finish('refused', `${refusal.guard}: ${refusal.reason}`);
        return { result: 'refused', summary: `${action} ${region} refused by ${refusal.guard}: ${refusal.reason}`, plan, refusal, operation };
      }
      if (action === 'drain') drained.set(region, { id: op.id, by: request.principal, reason: request.reason, at: deps.clock.now().toISOString() });
      else drained.delete(region);
      const summary = `${region} ${action === 'drain' ? 'drained (manual hold)' : 'restored'} by ${request.principal}: ${request.reason}`;
      return { result: 'succeeded', summary, plan, operation: await op.finish('succeeded', summary) };
    },
    async reconcile(request) {
      failing();
      if (request.dryRun) return { result: 'planned', summary: 'dry run: routes are up to date', plan: [] };
      const op = await startOperation(recorder, { kind: 'reconcile', trigger: { source: request.source }, principal: request.principal, subject: 'fleet' });
      return { result: 'succeeded', summary: 'reconciled', plan: [], operation: await op.finish('succeeded') };
    },
    onboard: (request) => lifecycle('onboard', request),
    offboard: (request) => lifecycle('offboard', request),
    readiness: async () => structuredClone(dependencies),
    config: async () => {
      failing();
      return { source: 'file', revision: null, config: parseFleetConfigYaml(EXAMPLE_CONFIG, 'fleet.yaml') };
    },
    planConfig: async (yaml) => {
      failing();
      // The real validation (pure); the fake fleet has no routes to diff.
      const validation = validateConfigText(yaml, 'fleet.yaml');
      if (!validation.ok) throw new RequestError('invalid_argument', `the configuration is invalid: ${validation.problems[0] ?? ''}`, { problems: validation.problems });
      return { result: 'planned', summary: 'dry run: the configuration changes no route', plan: [] };
    },
  };
  return ops;

  function failing(): void {
    const error = ops.failNext;
    ops.failNext = undefined;
    if (error) throw error;
  }

  async function lifecycle(kind: 'onboard' | 'offboard', request: Parameters<FleetOps['onboard']>[0]): Promise<ManualResult> {
    failing();
    // PROJECT/LOCATION/NAME, as the real flows record it (a membership names its project, location and id).
    const id = 'membership' in request.cluster ? request.cluster.membership.split('/').filter((_, i) => i % 2 === 1).join('/') : `demo/${request.cluster.location}/${request.cluster.name}`;
    if (kind === 'offboard' && !onboarded.has(id)) throw new RequestError('not_found', `cluster ${id} is not part of the fleet`);
    if (request.dryRun) return { result: 'planned', summary: `dry run: would ${kind} ${id}`, plan: [`${kind} ${id}`] };
    const op = await startOperation(recorder, { kind, trigger: { source: request.source }, principal: request.principal, subject: `cluster/${id}`, cluster: id });
    if (kind === 'onboard') onboarded.add(id);
    else onboarded.delete(id);
    return { result: 'succeeded', summary: `${id} ${kind}ed by ${request.principal}`, plan: [`${kind} ${id}`], operation: await op.finish('succeeded') };
  }

  function view(): FleetView {
    const clusters: ClusterView[] = [...onboarded].map((id) => ({
      projectId: id.split('/')[0] ?? id, location: id.split('/')[1] ?? id, name: id.split('/')[2] ?? id, region: 'asia-northeast1', kind: 'gke', phase: 'onboarded',
      reason: null, status: 'RUNNING', membership: null, membershipState: null, updatedAt: null, operationId: null,
    }));
    const regions: RegionView[] = REGIONS.map((region) => {
      const hold = drained.get(region);
      return {
        region, serving: !hold, drained: Boolean(hold), cause: hold ? 'manual' : null, since: hold?.at ?? null, restoreAt: null, frozenUntil: null, clusters: [], openIncidents: [],
        manualHold: hold ? { id: hold.id, region, action: 'drain', at: hold.at, by: hold.by, reason: hold.reason } : null,
        traffic: { store: hold ? 0 : 1 / (REGIONS.length - drained.size) },
      };
    });
    return { clusters, regions, observedAt: deps.clock.now().toISOString() };
  }
}

/** Options of {@link apiTestApp}. */
export interface ApiTestOptions {
  /** Calls per principal and minute; large unless a test is about the limit. */
  ratePerMinute?: number;
  /** Verifier of Google ID tokens; absent, ID tokens are refused. */
  idTokens?: IdTokenVerifier;
  /** Role of each ID-token email. */
  principals?: Record<string, Role>;
  /** Build the app without the operations API (every /v1 route answers 503). */
  withoutApi?: boolean;
  /** Also serve the Slack commands (signing secret {@link SLACK_SECRET}, acting through the fake ops). */
  withSlack?: boolean;
}

/** The Slack signing secret of the test app, when it serves Slack. */
export const SLACK_SECRET = 'api-test-slack-signing-secret-0123456789';

/** An app with the operations API, and everything a test inspects or moves. */
export interface ApiTestApp {
  app: OpenAPIHono;
  store: ReturnType<typeof memoryStore>;
  tokens: Record<keyof typeof PRINCIPALS, string>;
  ops: FakeOps;
  logLines: string[];
  clock: TestClock;
  published: GitPushMessage[];
  /** `fetch`-like helper: JSON body, bearer token. */
  call(method: string, path: string, init?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

/** Builds the app with real viewer, operator and admin tokens in the memory store. */
export async function apiTestApp(options: ApiTestOptions = {}): Promise<ApiTestApp> {
  const clock = testClock();
  const store = memoryStore();
  const logLines: string[] = [];
  const log = createLogger({ level: 'DEBUG', now: () => clock.now(), write: (line) => void logLines.push(line) });
  const ops = fakeFleetOps({ store, clock });
  const tokens = {
    viewer: (await createApiToken(store, clock, { principal: PRINCIPALS.viewer, role: 'viewer', label: 'viewer' })).token,
    operator: (await createApiToken(store, clock, { principal: PRINCIPALS.operator, role: 'operator', label: 'operator' })).token,
    admin: (await createApiToken(store, clock, { principal: PRINCIPALS.admin, role: 'admin', label: 'admin' })).token,
  };
  const published: GitPushMessage[] = [];
  const api: ApiDeps = {
    ops, store, clock, log,
    auth: { tokens: store, idTokens: options.idTokens, principals: options.principals ?? {} },
    limiter: createRateLimiter(options.ratePerMinute ?? 1_000_000, clock),
  };
  const app = createApp({
    github: { secret: WEBHOOK_SECRET },
    filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store: memoryMarkerStore().store,
    publish: async (message) => `msg-${published.push(message)}`,
    clock, log,
    ...(options.withoutApi ? {} : { api }),
    ...(options.withSlack ? { slack: slackDeps(ops, clock, log) } : {}),
  });
  const call: ApiTestApp['call'] = (method, path, init = {}) => {
    const headers: Record<string, string> = { ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers };
    const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    return Promise.resolve(app.request(path, { method, headers, ...(body === undefined ? {} : { body }) }));
  };
  return { app, store, tokens, ops, logLines, clock, published, call };
}

function slackDeps(ops: FakeOps, clock: Clock, log: Logger): SlackDeps {
  const act = (action: 'drain' | 'restore') => async (principal: Principal, input: SlackOpInput) =>
    ({ summary: (await ops.manualDrain({ action, ...input, principal: principal.id, source: 'slack' })).summary });
  return {
    signingSecret: SLACK_SECRET,
    users: { U_OPS: 'oncall@example.com' },
    roleOf: (id) => (id === 'oncall@example.com' ? 'operator' : undefined),
    ops: { status: async () => ({ summary: `${ops.drained.size} region(s) drained` }), drain: act('drain'), restore: act('restore') },
    store: { markOnce: async () => true },
    clock, log,
    post: async () => undefined,
    responseUrlPrefixes: ['https://hooks.slack.com/'],
    background: (task) => void task.catch(() => undefined),
  };
}

/** Claims of a test ID token; each may be overridden (`undefined` removes it). */
export interface IdTokenClaims {
  iss?: string;
  aud?: string;
  sub?: string;
  email?: string;
  email_verified?: boolean;
  iat?: number;
  exp?: number;
}

/** A stand-in for Google's PEM certificate endpoint, and a signer of RS256 ID tokens. */
export interface FakeGoogleCerts {
  /** Serves `{ kid: PEM }` with `cache-control: public, max-age=300`. */
  certsUrl: string;
  kid: string;
  /** Signs an ID token (by default with the served key, valid for an hour from the real now). */
  sign(claims: IdTokenClaims & { audience: string }, opts?: { key?: KeyObject; kid?: string }): string;
  /** A key pair Google never published (for bad signatures). */
  strangerKey: KeyObject;
  /** How many times the certificates were fetched. */
  fetches(): number;
  close(): Promise<void>;
}

/** Starts the certificate endpoint on 127.0.0.1 (an ephemeral port). */
export async function startFakeGoogleCerts(): Promise<FakeGoogleCerts> {
  const kid = 'test-kid-1';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let fetched = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/certs') {
      res.writeHead(404).end();
      return;
    }
    fetched++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }).end(JSON.stringify({ [kid]: pem }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    certsUrl: `http://127.0.0.1:${port}/certs`,
    kid,
    strangerKey: stranger.privateKey,
    fetches: () => fetched,
    sign({ audience, ...claims }, opts = {}) {
      // google-auth-library checks iat/exp against the real time, not the app's clock.
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: 'https://accounts.google.com', aud: audience, sub: '1234567890', email: 'oncall@example.com', email_verified: true, iat: now, exp: now + 3600, ...claims };
      const input = `${b64({ alg: 'RS256', kid: opts.kid ?? kid, typ: 'JWT' })}.${b64(payload)}`;
      const signature = createSign('RSA-SHA256').update(input).sign(opts.key ?? privateKey).toString('base64url');
      return `${input}.${signature}`;
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
