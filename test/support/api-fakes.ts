/**
 * The operations API under test: the real app (`createApp`) with the real authentication, rate
 * limit, idempotency and OpenAPI routers, and the real fleet operations (`createFleetOps`) over the
 * in-memory demo fleet — Tokyo and Osaka onboarded and serving at 50/50, two more clusters
 * (`tokyo-1`, `osaka-1`) running and registered but not onboarded — so drains, restores, onboarding,
 * refusals and their summaries are the flows' own. Real API tokens live in the fleet's store; one
 * logger keeps the API's and the flows' lines. Also a tiny stand-in for Google's certificate
 * endpoint, so that ID tokens go through the real verifier.
 */
import { generateKeyPairSync, createSign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '../../services/app.ts';
import { createFleetOps, type ApiDeps, type DependencyStatus, type FleetOps } from '../../services/api/deps.ts';
import type { IdTokenVerifier } from '../../services/api/id-token.ts';
import type { Role } from '../../services/api/principal.ts';
import { createRateLimiter } from '../../services/api/rate-limit.ts';
import { createApiToken } from '../../services/api/tokens.ts';
import type { SlackDeps } from '../../services/slack/deps.ts';
import { slackOpsFrom } from '../../services/slack/fleet-ops.ts';
import type { GitPushMessage } from '../../services/webhooks/deps.ts';
import type { ManualFact } from '../../shared/failover/index.ts';
import { runPreflight } from '../../shared/ops/preflight.ts';
import { demoFleet, OSAKA, TOKYO, type MemoryFleet } from './memory-fleet.ts';
import { memoryProjectApis, type MemoryProjectApis } from './memory-project-apis.ts';
import type { memoryStore } from './memory-store.ts';
import { memoryMarkerStore } from './webhook-fakes.ts';
import type { TestClock } from './test-clock.ts';

export { EXAMPLE_CONFIG } from './memory-fleet.ts';
export { START, testClock, type TestClock } from './test-clock.ts';

/** The regions of the test fleet. */
export const REGIONS = [TOKYO.region, OSAKA.region] as const;

/** The fleet project (of the example configuration). */
export const PROJECT = 'fleetpilot-sandbox';

/** Clusters that run and are registered in the fleet, but that fleetpilot has not onboarded. */
export const SPARE_CLUSTERS = {
  tokyo1: { name: 'tokyo-1', location: 'asia-northeast1-a' },
  osaka1: { name: 'osaka-1', location: 'asia-northeast2-a' },
} as const;

/** The GitHub webhook secret of the test app (must never appear in a response or a log line). */
export const WEBHOOK_SECRET = 'api-test-webhook-secret-0123456789abcdef';

/** Principals of the three API tokens. */
export const PRINCIPALS = { viewer: 'token:viewer', operator: 'token:operator', admin: 'token:admin' } as const;

/** The real fleet operations, and what their readiness check answers (tests flip `ok`). */
export type TestOps = FleetOps & { readonly dependencies: Record<string, DependencyStatus> };

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
  /** Also serve the Slack commands (signing secret {@link SLACK_SECRET}, acting through the same operations). */
  withSlack?: boolean;
}

/** The Slack signing secret of the test app, when it serves Slack. */
export const SLACK_SECRET = 'api-test-slack-signing-secret-0123456789';

/** An app with the operations API, and everything a test inspects or moves. */
export interface ApiTestApp {
  app: OpenAPIHono;
  /** The in-memory fleet the operations act on. */
  fleet: MemoryFleet;
  store: ReturnType<typeof memoryStore>;
  tokens: Record<keyof typeof PRINCIPALS, string>;
  ops: TestOps;
  /** The project's APIs and IAM bindings, as the preflight sees them. */
  projectApis: MemoryProjectApis;
  /** Every log line, the API's and the flows'. */
  logLines: string[];
  clock: TestClock;
  published: GitPushMessage[];
  /** Regions drained now, as the routes are rendered (derived from the drain facts), sorted. */
  drained(): Promise<string[]>;
  /** The manual drain holding `region`, while one does. */
  hold(region: string): Promise<ManualFact | undefined>;
  /** `fetch`-like helper: JSON body, bearer token. */
  call(method: string, path: string, init?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

/** Builds the app over a fresh demo fleet, with real viewer, operator and admin tokens in its store. */
export async function apiTestApp(options: ApiTestOptions = {}): Promise<ApiTestApp> {
  const fleet = await demoFleet({ mcs: 'auto' });
  await fleet.addCluster({ ...SPARE_CLUSTERS.tokyo1, registered: true });
  await fleet.addCluster({ ...SPARE_CLUSTERS.osaka1, registered: true });
  const { clock, store, ctx } = fleet;
  const log = ctx.log;
  // The probes themselves are readiness.ts's own; here each dependency answers what the test says.
  const dependencies: Record<string, DependencyStatus> = { firestore: { ok: true, latencyMs: 1 }, container: { ok: true, latencyMs: 2 } };
  const projectApis = memoryProjectApis(fleet.project);
  const ops: TestOps = Object.assign(
    createFleetOps(
      ctx,
      async () => structuredClone(dependencies),
      () => runPreflight({ ...ctx, projectApis }),
    ),
    { dependencies },
  );
  const tokens = {
    viewer: (await createApiToken(store, clock, { principal: PRINCIPALS.viewer, role: 'viewer', label: 'viewer' })).token,
    operator: (await createApiToken(store, clock, { principal: PRINCIPALS.operator, role: 'operator', label: 'operator' })).token,
    admin: (await createApiToken(store, clock, { principal: PRINCIPALS.admin, role: 'admin', label: 'admin' })).token,
  };
  const published: GitPushMessage[] = [];
  const api: ApiDeps = {
    ops,
    store,
    clock,
    log,
    auth: { tokens: store, idTokens: options.idTokens, principals: options.principals ?? {} },
    limiter: createRateLimiter(options.ratePerMinute ?? 1_000_000, clock),
  };
  const app = createApp({
    github: { secret: WEBHOOK_SECRET },
    filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store: memoryMarkerStore().store,
    publish: async (message) => `msg-${published.push(message)}`,
    clock,
    log,
    ...(options.withoutApi ? {} : { api }),
    ...(options.withSlack ? { slack: slackDeps(ops, clock, log) } : {}),
  });
  const call: ApiTestApp['call'] = (method, path, init = {}) => {
    const headers: Record<string, string> = {
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    };
    const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    return Promise.resolve(app.request(path, { method, headers, ...(body === undefined ? {} : { body }) }));
  };
  const hold = async (region: string) => {
    if (!(await fleet.drainedRegions()).includes(region)) return undefined;
    return (await fleet.facts())[region]?.manual.filter((m) => m.action === 'drain').at(-1);
  };
  return {
    app,
    fleet,
    store,
    tokens,
    ops,
    projectApis,
    logLines: fleet.logLines,
    clock,
    published,
    drained: () => fleet.drainedRegions(),
    hold,
    call,
  };
}

function slackDeps(ops: FleetOps, clock: TestClock, log: ApiDeps['log']): SlackDeps {
  return {
    signingSecret: SLACK_SECRET,
    users: { U_OPS: 'oncall@example.com' },
    roleOf: (id) => (id === 'oncall@example.com' ? 'operator' : undefined),
    ops: slackOpsFrom(ops),
    store: { markOnce: async () => true },
    clock,
    log,
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
      const payload = {
        iss: 'https://accounts.google.com',
        aud: audience,
        sub: '1234567890',
        email: 'oncall@example.com',
        email_verified: true,
        iat: now,
        exp: now + 3600,
        ...claims,
      };
      const input = `${b64({ alg: 'RS256', kid: opts.kid ?? kid, typ: 'JWT' })}.${b64(payload)}`;
      const signature = createSign('RSA-SHA256')
        .update(input)
        .sign(opts.key ?? privateKey)
        .toString('base64url');
      return `${input}.${signature}`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
