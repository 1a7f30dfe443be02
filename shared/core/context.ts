/**
 * The fleet context: every collaborator a flow may use, built once per entry point (a Cloud
 * Function instance, the Cloud Run service, the sandbox) and passed in. Each step declares the
 * slice it uses with {@link Needs}, so a test builds exactly that slice from in-memory adapters.
 */
import type { KubeFactory } from '../adapters/cluster-access.ts';
import type { ContainerAdapter } from '../adapters/container.ts';
import type { Store } from '../adapters/firestore.ts';
import type { GkeHubAdapter } from '../adapters/gkehub.ts';
import type { ApprovalsChat } from '../adapters/slack-chat.ts';
import type { TrafficMetricsAdapter } from '../adapters/traffic-metrics.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import type { OperationRecord } from '../state/operations.ts';
import type { RetentionPolicy } from '../state/retention.ts';
import type { Clock, IdGenerator, Sleep } from './clock.ts';
import type { Logger } from './logger.ts';

/** Where finished operations are announced (the results topic in production). */
export type ResultSink = (record: OperationRecord) => Promise<void>;

/** Everything a flow may need. */
export interface FleetContext {
  container: ContainerAdapter;
  hub: GkeHubAdapter;
  store: Store;
  kubeFor: KubeFactory;
  /** The current desired fleet configuration. */
  config: () => Promise<FleetConfig>;
  /** Publishes a finished operation's outcome. */
  results: ResultSink;
  clock: Clock;
  sleep: Sleep;
  ids: IdGenerator;
  log: Logger;
  /** Identifies this instance in leases. */
  instanceId: string;
  /** How long onboarding waits for ServiceImports before leaving the rest to the tick. */
  importWaitMs: number;
  /** How long operation records are kept (shared/state/retention.ts). */
  retention: RetentionPolicy;
  /** The Gateway's traffic (Cloud Monitoring), which drills are measured from; absent in contexts that run no drills. */
  metrics?: TrafficMetricsAdapter;
  /** Where approvals are posted with Approve / Deny buttons (Slack); absent when no bot token is configured. */
  approvalsChat?: ApprovalsChat;
}

/** The slice of the context a step uses. */
export type Needs<K extends keyof FleetContext> = Pick<FleetContext, K>;

/** What recording an operation needs. */
export type RecordContext = Needs<'store' | 'clock' | 'ids' | 'retention'>;

/** What holding a lease needs. */
export type LeaseContext = Needs<'store' | 'clock' | 'sleep' | 'instanceId'>;
