/**
 * The main job's chat-ops demo: an operator drains Osaka through the operations API with a
 * reason, traffic follows, a viewer reads the region's state, and the operator restores it — the
 * same calls a chat bot makes (see the README's curl examples).
 */
import { apiRequest } from './api-client.ts';
import { sendTraffic } from './data-plane/traffic.ts';
import type { SandboxApi } from './operations-api.ts';

type Answer = { status: number; body: Record<string, unknown> };

/** Runs the demo and prints what each call answered. */
export async function chatOpsDemo(api: SandboxApi, gatewayUrl: string, print: (line: string) => void): Promise<void> {
  const call = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await apiRequest(api.url, method, path, { token, body, headers });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  print('');
  print(`Operations API at ${api.url} (tokens in ${api.tokensFile}):`);
  const denied = await call('POST', '/v1/regions/asia-northeast2/drain', api.tokens.viewer, { reason: 'viewer tries' });
  print(`  viewer   POST /v1/regions/asia-northeast2/drain → ${denied.status} ${String(denied.body.message)}`);
  const plan = await call('POST', '/v1/regions/asia-northeast2/drain', api.tokens.operator, { reason: 'demo: bad deploy in Osaka', dryRun: true });
  print(`  operator dry run → ${String(plan.body.summary)}`);
  const drained = await call('POST', '/v1/regions/asia-northeast2/drain', api.tokens.operator, { reason: 'demo: bad deploy in Osaka' }, { 'idempotency-key': `demo-${Date.now()}` });
  print(`  operator POST …/drain → ${drained.status} ${String(drained.body.summary)}`);
  const traffic = await sendTraffic({ url: gatewayUrl, host: 'store.example.com', path: '/', count: 500, concurrency: 20 });
  print(`  500 requests → ${Object.entries(traffic.byCluster).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  const refused = await call('POST', '/v1/regions/asia-northeast1/drain', api.tokens.operator, { reason: 'demo: drain Tokyo too' });
  print(`  operator POST /v1/regions/asia-northeast1/drain → ${refused.status} ${String(refused.body.message)}`);
  const restored = await call('POST', '/v1/regions/asia-northeast2/restore', api.tokens.operator, { reason: 'demo: fixed' });
  print(`  operator POST …/restore → ${restored.status} ${String(restored.body.summary)}`);
  if (drained.status !== 200 || restored.status !== 200 || refused.status !== 409) throw new Error('the operations API demo did not answer as expected (see above)');
}
