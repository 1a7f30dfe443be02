/** The dependencies of the cluster lifecycle flow, passed in by each composition root. */
import type { KubeFactory } from '../adapters/cluster-access.ts';
import type { ContainerAdapter } from '../adapters/container.ts';
import type { Store } from '../adapters/firestore.ts';
import type { GkeHubAdapter } from '../adapters/gkehub.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import type { Clock, IdGenerator, Sleep } from './clock.ts';
import type { Logger } from './logger.ts';

/** Everything the lifecycle handler needs. */
export interface LifecycleDeps {
  container: ContainerAdapter;
  hub: GkeHubAdapter;
  store: Store;
  kubeFor: KubeFactory;
  /** The current desired fleet configuration. */
  config: () => Promise<FleetConfig>;
  clock: Clock;
  sleep: Sleep;
  ids: IdGenerator;
  log: Logger;
  /** Identifies this instance in leases. */
  instanceId: string;
  /** How long onboarding waits for ServiceImports before leaving the rest to the tick. */
  importWaitMs: number;
}
