/**
 * Operations API benchmark (`npm run bench:api`): in a fresh sandbox with the classic fleet, times
 * over real HTTP the reads a bot makes, manual drains and restores (the answer comes once the route
 * is written), dry runs, idempotent replays, and Slack acknowledgements; and the services' memory.
 * Prints numbers; asserts nothing.
 */
import { join, resolve } from 'node:path';
import { createLogger } from '../../shared/core/logger.ts';
import { apiRequest, slackCommandRequest } from '../../sandbox/api-client.ts';
import { createDemoFleet } from '../../sandbox/demo-fleet.ts';
import { waitForClassicRoute } from '../../sandbox/demo-watch.ts';
import { startFleetpilot } from '../../sandbox/fleetpilot.ts';
import type { SandboxApi } from '../../sandbox/operations-api.ts';
import { startSandbox } from '../../sandbox/sandbox.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
process.env.METADATA_SERVER_DETECTION ??= 'none';
process.env.LOG_LEVEL ??= 'WARNING';
const log = createLogger({ format: 'text', level: 'WARNING', fields: { component: 'bench' } });
const out = (line: string) => process.stdout.write(line + '\n');

async function timed(run: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const res = await run();
  await res.arrayBuffer();
  if (res.status >= 400 && res.status !== 409) throw new Error(`HTTP ${res.status}`);
  return performance.now() - started;
}

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `n=${ms.length} min ${at(0)} / median ${at(0.5)} / p90 ${at(0.9)} / max ${at(1)} ms`;
}

async function main(): Promise<void> {
  out('starting a fresh sandbox with the classic fleet');
  const sandbox = await startSandbox({ repoRoot, stateDir: join(repoRoot, '.cache', 'sandbox', 'bench-api'), log, importDelayMs: 500 });
  try {
    const fleetpilot = await startFleetpilot(sandbox, {
      fleetConfigFile: join(repoRoot, 'examples', 'fleet.yaml'),
      log,
      tickIntervalMs: 5_000,
    });
    try {
      await createDemoFleet(sandbox, log);
      await waitForClassicRoute(sandbox.adapters, sandbox.token, 180_000);
      await measure(fleetpilot.api);
    } finally {
      await fleetpilot.stop();
    }
  } finally {
    await sandbox.stop();
  }
}

async function measure(api: SandboxApi): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const req =
    (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
    () =>
      apiRequest(api.url, method, path, { token, body, headers });
  const series = async (count: number, make: (i: number) => () => Promise<Response>) => {
    const ms: number[] = [];
    for (let i = 0; i < count; i++) ms.push(await timed(make(i)));
    return ms;
  };
  out('\nreads (viewer token):');
  out(`  GET /v1/fleet/regions        ${stats(await series(30, () => req('GET', '/v1/fleet/regions', api.tokens.viewer)))}`);
  out(`  GET /v1/routes               ${stats(await series(30, () => req('GET', '/v1/routes', api.tokens.viewer)))}`);
  out(`  GET /v1/operations?pageSize=20 ${stats(await series(30, () => req('GET', '/v1/operations?pageSize=20', api.tokens.viewer)))}`);
  out('\nwrites (operator token):');
  out(
    `  dry-run drain                ${stats(await series(20, () => req('POST', '/v1/regions/asia-northeast2/drain', api.tokens.operator, { reason: 'bench', dryRun: true })))}`,
  );
  const drains: number[] = [];
  const restores: number[] = [];
  for (let i = 0; i < 10; i++) {
    drains.push(
      await timed(
        req(
          'POST',
          '/v1/regions/asia-northeast2/drain',
          api.tokens.operator,
          { reason: `bench ${i}` },
          { 'idempotency-key': `bench-drain-${Date.now()}-${i}` },
        ),
      ),
    );
    restores.push(await timed(req('POST', '/v1/regions/asia-northeast2/restore', api.tokens.operator, { reason: `bench ${i}` })));
  }
  out(`  drain (route written)        ${stats(drains)}`);
  out(`  restore (route written)      ${stats(restores)}`);
  const key = `bench-replay-${Date.now()}`;
  await timed(
    req('POST', '/v1/regions/asia-northeast2/drain', api.tokens.operator, { reason: 'bench replay' }, { 'idempotency-key': key }),
  );
  out(
    `  idempotent replay            ${stats(await series(20, () => req('POST', '/v1/regions/asia-northeast2/drain', api.tokens.operator, { reason: 'bench replay' }, { 'idempotency-key': key })))}`,
  );
  await timed(req('POST', '/v1/regions/asia-northeast2/restore', api.tokens.operator, { reason: 'bench done' }));
  out('\nSlack (signed /fleet status; the result is posted afterwards):');
  out(
    `  acknowledgement              ${stats(
      await series(20, (i) => () => {
        const body = new URLSearchParams({
          command: '/fleet',
          text: 'status',
          user_id: 'U0VIEWER',
          response_url: `${api.slackResponsePrefix}responses/bench-${i}`,
        }).toString();
        return slackCommandRequest(api.url, api.slackSigningSecret, body);
      }),
    )}`,
  );
  out(
    `\nbench process RSS (sandbox services in-process): ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MiB more than before the calls)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
