/** Builds fleetpilot's real adapters against the running sandbox, for contract tests. */
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildFunctionContext, type FunctionContext } from '../../functions/compose.ts';
import { loadEnv } from '../../shared/config/env.ts';
import { createGcpAdapters, type GcpAdapters } from '../../shared/adapters/gcp.ts';
import { createKubeAdapter, type KubeAdapter } from '../../shared/adapters/kube.ts';
import { kubeConfigFor } from '../../shared/adapters/kube-config.ts';
import { endpointServer } from '../../shared/adapters/kube-servers.ts';
import { systemClock } from '../../shared/core/clock.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import type { SandboxInfo } from './sandbox-info.ts';

/** The sandbox description from the global setup. */
export function sandboxInfo(): SandboxInfo {
  return inject('sandbox');
}

/** Adapters for the sandbox; pass overrides (e.g. a topic prefix) to isolate a test. */
export async function sandboxAdapters(overrides: Record<string, string> = {}): Promise<GcpAdapters> {
  const env = loadEnv({ ...sandboxInfo().env, ...overrides });
  return createGcpAdapters(env, { clock: systemClock, log: silentLogger() });
}

/** A Kubernetes adapter for a sandbox cluster, reached the way fleetpilot reaches GKE: endpoint, CA, token. */
export async function kubeFor(adapters: GcpAdapters, location: string, cluster: string, fieldManager = 'fleetpilot'): Promise<KubeAdapter> {
  const info = await adapters.container.getCluster(location, cluster);
  if (!info) throw new Error(`sandbox cluster ${cluster} does not exist`);
  return createKubeAdapter(
    kubeConfigFor({
      name: cluster,
      server: endpointServer(info.endpoint),
      caPem: info.caCertificatePem,
      token: await adapters.tokens.token(),
    }),
    fieldManager,
  );
}

/**
 * Another instance of fleetpilot's functions, with its own clients, as Cloud Run would scale out:
 * for tests that race two instances against the one the sandbox serves.
 */
export function secondInstance(): Promise<FunctionContext> {
  const env = {
    ...sandboxInfo().env,
    FLEETPILOT_FLEET_CONFIG_FILE: join(sandboxInfo().repoRoot, 'examples', 'fleet.yaml'),
    LOG_LEVEL: 'ERROR',
  };
  return buildFunctionContext(env, 'second-instance');
}
