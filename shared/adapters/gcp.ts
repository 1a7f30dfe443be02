/**
 * Builds the Google Cloud adapters from validated configuration: the same code talks to real
 * Google Cloud (ADC, default endpoints) or to the local sandbox (emulators, the REST double and a
 * static token), depending only on the environment.
 */
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import type { Env } from '../config/env.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ContainerAdapter } from './container.ts';
import { lazyContainerAdapter } from './container-lazy.ts';
import { createStore, type Store } from './firestore.ts';
import { createGkeHubAdapter, type GkeHubAdapter } from './gkehub.ts';
import { applicationDefaultTokenSource, staticTokenSource, type AccessTokenSource } from './google-auth.ts';
import { createProjectApisAdapter, type ProjectApisAdapter } from './project-apis.ts';
import { createPubSubAdapter, type PubSubAdapter } from './pubsub.ts';
import { buildTopology, type Topology } from './topology.ts';
import { createTrafficMetricsAdapter, type TrafficMetricsAdapter } from './traffic-metrics.ts';

/** Every outside-system adapter except per-cluster Kubernetes clients. */
export interface GcpAdapters {
  tokens: AccessTokenSource;
  topology: Topology;
  pubsub: PubSubAdapter;
  store: Store;
  container: ContainerAdapter;
  hub: GkeHubAdapter;
  /** Service Usage and Resource Manager reads (the preflight). */
  projectApis: ProjectApisAdapter;
  /** The Gateway's load-balancer request counts (Cloud Monitoring), for drills. */
  metrics: TrafficMetricsAdapter;
  close(): Promise<void>;
}

/** Creates the adapters for `env`. Emulator hosts are passed explicitly, never read from globals. */
export async function createGcpAdapters(env: Env, deps: { clock: Clock; log: Logger }): Promise<GcpAdapters> {
  const tokens = env.FLEETPILOT_STATIC_ACCESS_TOKEN
    ? staticTokenSource(env.FLEETPILOT_STATIC_ACCESS_TOKEN)
    : await applicationDefaultTokenSource();
  const topology = buildTopology(env.FLEETPILOT_TOPIC_PREFIX);
  const pubsubClient = new PubSub({
    projectId: env.FLEETPILOT_PROJECT_ID,
    ...(env.PUBSUB_EMULATOR_HOST ? { apiEndpoint: env.PUBSUB_EMULATOR_HOST, emulatorMode: true } : {}),
  });
  const firestore = new Firestore({
    projectId: env.FLEETPILOT_PROJECT_ID,
    databaseId: env.FLEETPILOT_FIRESTORE_DATABASE,
    ignoreUndefinedProperties: true,
    ...(env.FIRESTORE_EMULATOR_HOST
      ? { host: env.FIRESTORE_EMULATOR_HOST, ssl: false, customHeaders: { Authorization: 'Bearer owner' } }
      : {}),
  });
  const container = lazyContainerAdapter({
    ...(env.FLEETPILOT_CONTAINER_ENDPOINT ? { endpoint: env.FLEETPILOT_CONTAINER_ENDPOINT } : {}),
    tokens,
    projectId: env.FLEETPILOT_PROJECT_ID,
  });
  return {
    tokens,
    topology,
    pubsub: createPubSubAdapter({ pubsub: pubsubClient, topology, log: deps.log }),
    store: createStore({ firestore, clock: deps.clock }),
    container,
    hub: createGkeHubAdapter({
      authClient: tokens.authClient,
      baseUrl: env.FLEETPILOT_GKEHUB_ENDPOINT,
      projectId: env.FLEETPILOT_PROJECT_ID,
    }),
    projectApis: createProjectApisAdapter({
      authClient: tokens.authClient,
      projectId: env.FLEETPILOT_PROJECT_ID,
      serviceUsageUrl: env.FLEETPILOT_SERVICEUSAGE_ENDPOINT,
      resourceManagerUrl: env.FLEETPILOT_RESOURCEMANAGER_ENDPOINT,
    }),
    metrics: createTrafficMetricsAdapter({
      authClient: tokens.authClient,
      baseUrl: env.FLEETPILOT_MONITORING_ENDPOINT,
      projectId: env.FLEETPILOT_PROJECT_ID,
    }),
    async close() {
      await Promise.allSettled([pubsubClient.close(), firestore.terminate(), container.close()]);
    },
  };
}
