/**
 * The readiness check: each dependency the API acts through is asked one cheap question, in
 * parallel, with a deadline. The answer names which ones answer; errors are reduced to their class
 * (never a URL with credentials or a token).
 */
import type { FleetContext } from '../../shared/core/context.ts';
import { configClusterKube } from '../../shared/routing/config-kube.ts';
import { httpStatusOf } from '../../shared/core/errors.ts';
import type { DependencyStatus } from './deps.ts';

/** Deadline of each probe. */
const PROBE_TIMEOUT_MS = 3_000;

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
      configCluster: async () => (await configClusterKube(deps, await config)).get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }),
      fleetConfig: () => config,
    };
    return Object.fromEntries(await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await timed(probe, () => deps.clock.now())] as const)));
  };
}

async function timed(probe: () => Promise<unknown>, now: () => Date): Promise<DependencyStatus> {
  const started = now().getTime();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([probe(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS); })]);
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
