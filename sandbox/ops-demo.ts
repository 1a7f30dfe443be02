/**
 * The main job's chat-ops demo: an operator drains Osaka through the operations API with a
 * reason, traffic follows, a drain of Tokyo too is refused, and the operator restores Osaka — the
 * same calls a chat bot makes (see the README's curl examples). Every answer it prints is checked
 * (see claims.ts): a failed claim makes the demo throw after Osaka is restored.
 */
import type { Guard } from '../shared/failover/drain-state.ts';
import { apiRequest } from './api-client.ts';
import { Claims, allAnsweredBy, describeTraffic } from './claims.ts';
import { sendTraffic } from './data-plane/traffic.ts';
import type { SandboxApi } from './operations-api.ts';

/** What the demo needs. */
export interface ChatOpsContext {
  api: SandboxApi;
  gatewayUrl: string;
  /** Resolves once the data plane serves the route as it is now. */
  routeLoaded: (what: string) => Promise<unknown>;
  print: (line: string) => void;
}

type Answer = { status: number; body: Record<string, unknown> };

const REQUESTS = 500;
const TOKYO = 'mc-gw-tokyo';
const LAST_SERVING_REGION: Guard = 'last-serving-region';

/** Runs the demo and prints what each call answered; throws `ClaimsFailed` when an answer was not the one claimed. */
export async function chatOpsDemo(ctx: ChatOpsContext): Promise<void> {
  const { api, print } = ctx;
  const claims = new Claims('chat-ops demo', print);
  const call = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const res = await apiRequest(api.url, method, path, { token, body, headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const answered = (claim: string, answer: Answer, status: number) =>
    claims.check(
      `${claim} (HTTP ${status})`,
      answer.status === status,
      `HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`,
    );
  print('');
  print(`Operations API at ${api.url} (tokens in ${api.tokensFile}):`);
  const denied = await call('POST', '/v1/regions/asia-northeast2/drain', api.tokens.viewer, { reason: 'viewer tries' });
  print(`  viewer   POST /v1/regions/asia-northeast2/drain → ${denied.status} ${String(denied.body.message)}`);
  answered('a viewer may not drain', denied, 403);
  const plan = await call('POST', '/v1/regions/asia-northeast2/drain', api.tokens.operator, {
    reason: 'demo: bad deploy in Osaka',
    dryRun: true,
  });
  print(`  operator dry run → ${String(plan.body.summary)}`);
  answered('an operator gets the plan of a dry run', plan, 200);
  const drained = await call(
    'POST',
    '/v1/regions/asia-northeast2/drain',
    api.tokens.operator,
    { reason: 'demo: bad deploy in Osaka' },
    { 'idempotency-key': `demo-${Date.now()}` },
  );
  print(`  operator POST …/drain → ${drained.status} ${String(drained.body.summary)}`);
  if (answered('an operator drains Osaka', drained, 200)) {
    // The answer comes once the route is written; the data plane picks it up within its poll interval.
    await ctx.routeLoaded('the data plane to load the route without Osaka');
    const traffic = await sendTraffic({ url: ctx.gatewayUrl, host: 'store.example.com', path: '/', count: REQUESTS, concurrency: 20 });
    print(`  ${describeTraffic(traffic)}`);
    claims.check(
      `while Osaka is drained, all ${REQUESTS} requests are answered by Tokyo (${TOKYO})`,
      allAnsweredBy(traffic, REQUESTS, TOKYO),
      describeTraffic(traffic),
    );
  }
  const refused = await call('POST', '/v1/regions/asia-northeast1/drain', api.tokens.operator, { reason: 'demo: drain Tokyo too' });
  print(`  operator POST /v1/regions/asia-northeast1/drain → ${refused.status} ${String(refused.body.message)}`);
  const guard = (refused.body.details as { guard?: unknown } | undefined)?.guard;
  claims.check(
    `draining Tokyo too is refused by the ${LAST_SERVING_REGION} guard (HTTP 409)`,
    refused.status === 409 && guard === LAST_SERVING_REGION,
    `HTTP ${refused.status}, guard ${String(guard)}: ${String(refused.body.message)}`,
  );
  const restored = await call('POST', '/v1/regions/asia-northeast2/restore', api.tokens.operator, { reason: 'demo: fixed' });
  print(`  operator POST …/restore → ${restored.status} ${String(restored.body.summary)}`);
  answered('an operator restores Osaka', restored, 200);
  claims.verify();
}
