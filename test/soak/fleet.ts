/**
 * The soak's own fleet on the shared sandbox: its own Firestore collections (a prefix), its own
 * service (`soak` in namespace `soak`, routed by an HTTPRoute and Gateway of its own on the demo's
 * config cluster) and an injected test clock, so ninety simulated days never touch the demo fleet
 * that the sandbox's fleetpilot serves. The demo clusters run the soak application beside `store`.
 */
import { Firestore } from '@google-cloud/firestore';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { FunctionContext } from '../../functions/compose.ts';
import { createGcpAdapters, type GcpAdapters } from '../../shared/adapters/gcp.ts';
import { createStore, type Store } from '../../shared/adapters/firestore.ts';
import type { KubeAdapter } from '../../shared/adapters/kube.ts';
import { parseFleetConfig, type FleetConfig } from '../../shared/config/fleet-config.ts';
import { loadEnv } from '../../shared/config/env.ts';
import { createFleetContext } from '../../shared/fleet-context.ts';
import { createConfigLoader } from '../../shared/gitops/index.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { clockSleep, sequentialIds, type TestClock } from '../support/test-clock.ts';
import { kubeFor, sandboxInfo } from '../support/sandbox-clients.ts';
import { SOAK_TARGETS } from './scenario.ts';

/** The soak service's name and namespace. */
export const SOAK = 'soak';
const CONFIG_CLUSTER = { cluster: 'mc-gw-config-cluster', location: 'asia-northeast1-b' };

/** The soak fleet's configuration: the demo's clusters and labels, the soak service, no mesh. */
export function soakConfig(projectId: string): FleetConfig {
  const parsed = parseFleetConfig({
    version: 1,
    fleet: {
      project: projectId,
      configCluster: { name: CONFIG_CLUSTER.cluster, location: CONFIG_CLUSTER.location },
      gateway: { name: 'soak-http', namespace: SOAK, className: 'gke-l7-global-external-managed-mc' },
    },
    onboarding: { matchLabels: { 'fleetpilot-onboard': 'true' }, perClusterServices: true },
    services: [
      {
        name: SOAK,
        namespace: SOAK,
        port: 8080,
        hostnames: ['soak.example.com'],
        regionWeights: { 'asia-northeast1': 50, 'asia-northeast2': 50 },
      },
    ],
    safety: { holdDownSeconds: 600, minHealthyRegions: 1, flapBudget: { maxDrains: 3, windowSeconds: 3600 }, pinnedPathsOnDrain: 'keep' },
    mesh: { services: [] },
  });
  if (!parsed.ok) throw new Error(`soak configuration: ${JSON.stringify(parsed)}`);
  return parsed.config;
}

/** The soak fleet: fleetpilot's context on the test clock, and the sandbox clients the test reads with. */
export interface SoakFleet {
  ctx: FunctionContext;
  adapters: GcpAdapters;
  firestore: Firestore;
  prefix: string;
  config: FleetConfig;
  configKube: KubeAdapter;
  close(): Promise<void>;
}

/** Builds the soak fleet's context: the sandbox's adapters, a prefixed store, the given clock. */
export async function openSoakFleet(clock: TestClock, run: string): Promise<SoakFleet> {
  const info = sandboxInfo();
  const env = loadEnv({ ...info.env, LOG_LEVEL: 'ERROR', FLEETPILOT_IMPORT_WAIT_SECONDS: '0' });
  const log = silentLogger();
  const sandboxAdapters = await createGcpAdapters(env, { clock, log });
  const firestore = new Firestore({
    projectId: info.projectId,
    host: env.FIRESTORE_EMULATOR_HOST!,
    ssl: false,
    ignoreUndefinedProperties: true,
    customHeaders: { Authorization: 'Bearer owner' },
  });
  const prefix = `soak-${run}-`;
  const store: Store = createStore({ firestore, clock, collectionPrefix: prefix });
  const adapters: GcpAdapters = { ...sandboxAdapters, store };
  const config = soakConfig(info.projectId);
  const fleet = {
    ...createFleetContext(env, adapters, log),
    config: createConfigLoader({ store, fallbackFile: 'soak.yaml', loadFile: async () => config }),
    results: async () => undefined,
    clock,
    sleep: clockSleep(clock),
    ids: sequentialIds(`soak-${run}`),
    instanceId: `soak-${run}`,
  };
  const configKube = await kubeFor(sandboxAdapters, CONFIG_CLUSTER.location, CONFIG_CLUSTER.cluster, 'soak-test');
  return {
    ctx: { env, adapters, fleet, log },
    adapters: sandboxAdapters,
    firestore,
    prefix,
    config,
    configKube,
    async close() {
      await firestore.terminate();
      await sandboxAdapters.close();
    },
  };
}

const ns = (name: string): KubernetesObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const appService = (): KubernetesObject & { spec: unknown } => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: SOAK, namespace: SOAK, labels: { app: SOAK } },
  spec: { selector: { app: SOAK }, ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }] },
});

/** Deploys the soak application's Service in both demo clusters and its namespace on the config cluster. */
export async function deploySoakApp(fleet: SoakFleet): Promise<void> {
  await fleet.configKube.apply(ns(SOAK));
  for (const t of SOAK_TARGETS) {
    const kube = await kubeFor(fleet.adapters, t.location, t.cluster, 'soak-test');
    await kube.apply(ns(SOAK));
    await kube.apply(appService());
  }
}

/** Removes what the soak put in the clusters: its route, Gateway, exports, Services and namespaces. */
export async function removeSoakApp(fleet: SoakFleet): Promise<void> {
  const ref = (apiVersion: string, kind: string, name: string, namespace = SOAK) => ({ apiVersion, kind, namespace, name });
  for (const t of SOAK_TARGETS) {
    const kube = await kubeFor(fleet.adapters, t.location, t.cluster, 'soak-test');
    for (const name of [SOAK, `${SOAK}-${t.region}`, `${SOAK}-${t.cluster}`]) {
      await kube.delete(ref('net.gke.io/v1', 'ServiceExport', name));
      await kube.delete(ref('v1', 'Service', name));
    }
  }
  await fleet.configKube.delete(ref('gateway.networking.k8s.io/v1', 'HTTPRoute', SOAK));
  await fleet.configKube.delete(ref('gateway.networking.k8s.io/v1', 'Gateway', 'soak-http'));
}

/** Deletes every document the soak wrote (its prefixed collections). */
export async function dropSoakCollections(fleet: SoakFleet): Promise<void> {
  for (const c of await fleet.firestore.listCollections()) if (c.id.startsWith(fleet.prefix)) await fleet.firestore.recursiveDelete(c);
}
