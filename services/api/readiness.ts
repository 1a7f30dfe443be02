/**
 * The readiness check: each dependency the API acts through is asked one cheap question, in
 * parallel, with a deadline. The answer names which ones answer; errors are reduced to their class
 * (never a URL with credentials or a token). `GET /readyz` serves it cached — one check at a time,
 * its result reused for {@link READINESS_CACHE_MS} — so probes cannot burn the upstream quotas the
 * flows need; only a caller with an API credential sees the detail.
 */
import type { Handler } from 'hono';
import type { Clock } from '../../shared/core/clock.ts';
import type { FleetContext } from '../../shared/core/context.ts';
import { configClusterKube } from '../../shared/routing/config-kube.ts';
import { httpStatusOf } from '../../shared/core/errors.ts';
import { resolvePrincipal } from './auth.ts';
import type { ApiDeps, DependencyStatus } from './deps.ts';

/** Deadline of each probe. */
const PROBE_TIMEOUT_MS = 3_000;

/** How long a readiness result is reused: probes arriving meanwhile cost nothing upstream. */
export const READINESS_CACHE_MS = 5_000;

/** One readiness result. */
export interface Readiness {
  ready: boolean;
  /** When the check began. */
  checkedAt: string;
  dependencies: Record<string, DependencyStatus>;
}

/**
 * Shares `check`: callers arriving while it runs wait for that run, and its result is reused for
 * {@link READINESS_CACHE_MS} after it ends. A check that throws counts as not ready (and is reused too).
 */
export function cachedReadiness(check: () => Promise<Record<string, DependencyStatus>>, clock: Clock): () => Promise<Readiness> {
  let last: { endedAt: number; result: Readiness } | undefined;
  let running: Promise<Readiness> | undefined;
  const run = async (): Promise<Readiness> => {
    const started = clock.now();
    let dependencies: Record<string, DependencyStatus>;
    try {
      dependencies = await check();
    } catch {
      dependencies = { readiness: { ok: false, latencyMs: clock.now().getTime() - started.getTime(), error: 'the check failed' } };
    }
    const result = { ready: Object.values(dependencies).every((d) => d.ok), checkedAt: started.toISOString(), dependencies };
    last = { endedAt: clock.now().getTime(), result };
    return result;
  };
  return () => {
    if (last && clock.now().getTime() - last.endedAt < READINESS_CACHE_MS) return Promise.resolve(last.result);
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}

/** How long the prerequisites summary in the readiness detail is reused (it costs a dozen reads). */
export const PREREQUISITES_CACHE_MS = 60_000;

/** The readiness detail's summary of `GET /v1/fleet/preflight`: it never decides readiness. */
export type PrerequisitesSummary = { ok: boolean; failing: string[]; checkedAt: string } | { ok: false; error: string };

function cachedPrerequisites(api: Pick<ApiDeps, 'ops' | 'clock'>): () => Promise<PrerequisitesSummary> {
  let last: { at: number; summary: Promise<PrerequisitesSummary> } | undefined;
  return () => {
    const now = api.clock.now().getTime();
    if (!last || now - last.at >= PREREQUISITES_CACHE_MS) {
      const summary = api.ops.preflight().then(
        (report): PrerequisitesSummary => ({
          ok: report.ok,
          failing: report.checks.filter((c) => !c.ok).map((c) => c.name),
          checkedAt: report.checkedAt,
        }),
        (): PrerequisitesSummary => ({ ok: false, error: 'the preflight failed' }),
      );
      last = { at: now, summary };
    }
    return last.summary;
  };
}

/**
 * `GET /readyz`: 200 `{status:'ready'}` or 503 `{status:'not ready'}` for anyone (load balancers,
 * uptime checks); with a valid `Authorization: Bearer` (any role) also `checkedAt`, each
 * dependency, and which fleet prerequisites do not hold (see `GET /v1/fleet/preflight`; reused for
 * {@link PREREQUISITES_CACHE_MS}, and never a reason to be not ready). A bad credential is a 401,
 * not a smaller answer. Without the API: not ready.
 */
export function readyz(api: Pick<ApiDeps, 'ops' | 'auth' | 'clock'> | undefined): Handler {
  const readiness = api ? cachedReadiness(() => api.ops.readiness(), api.clock) : undefined;
  const prerequisites = api ? cachedPrerequisites(api) : undefined;
  return async (c) => {
    if (!api || !readiness || !prerequisites) return c.json({ status: 'not ready' }, 503);
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) await resolvePrincipal(api.auth, authorization);
    const [result, summary] = await Promise.all([readiness(), authorization !== undefined ? prerequisites() : undefined]);
    const status = result.ready ? 'ready' : 'not ready';
    const detail = summary ? { checkedAt: result.checkedAt, dependencies: result.dependencies, prerequisites: summary } : {};
    return c.json({ status, ...detail }, result.ready ? 200 : 503);
  };
}

/** A readiness check over the flows' dependencies. */
export function createReadiness(deps: FleetContext): () => Promise<Record<string, DependencyStatus>> {
  return async () => {
    // One configuration read per check, shared by the probes that need it.
    const config = deps.config();
    config.catch(() => undefined);
    const probes: Record<string, () => Promise<unknown>> = {
      firestore: () => deps.store.get('health', 'probe'),
      container: () => deps.container.listClusters('-'),
      gkehub: async () => deps.hub.listMemberships((await config).fleet.membershipLocation, 1),
      configCluster: async () =>
        (await configClusterKube(deps, await config)).get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }),
      fleetConfig: () => config,
    };
    return Object.fromEntries(
      await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await timed(probe, () => deps.clock.now())] as const)),
    );
  };
}

async function timed(probe: () => Promise<unknown>, now: () => Date): Promise<DependencyStatus> {
  const started = now().getTime();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: now().getTime() - started };
  } catch (error) {
    return { ok: false, latencyMs: now().getTime() - started, error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  const status = httpStatusOf(error);
  if (status !== undefined) return `HTTP ${status}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') return `error ${code}`;
  return error instanceof Error && error.message === 'timed out' ? `no answer within ${PROBE_TIMEOUT_MS} ms` : 'failed';
}
