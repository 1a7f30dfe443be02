/**
 * The Pub/Sub topics and subscriptions the flows need, named from one prefix. Infrastructure as
 * code (infra/) and the sandbox create exactly these.
 */

/** The logical topics fleetpilot publishes to or consumes. */
export type TopicKey = 'clusterEvents' | 'healthAlerts' | 'gitPushes' | 'ticks' | 'results' | 'deadLetter';

/** Pub/Sub's redelivery backoff after a failed delivery: exponential from the minimum, capped at the maximum. */
export interface RetryPolicy {
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
}

/** A subscription and what it feeds. */
export interface SubscriptionSpec {
  name: string;
  topic: TopicKey;
  /** Undeliverable messages go to the dead-letter topic after this many attempts. */
  maxDeliveryAttempts?: number;
  /** How long Pub/Sub waits before redelivering a failed message (consumers only). */
  retryPolicy?: RetryPolicy;
  ackDeadlineSeconds: number;
  /**
   * Deliveries the consuming function takes at once: its instances (infra/functions.tf
   * `max_instances`, one request each). Pub/Sub holds the rest back; the sandbox does the same.
   */
  maxInFlight?: number;
}

/** The full set of topic names and subscriptions. */
export interface Topology {
  topics: Record<TopicKey, string>;
  subscriptions: SubscriptionSpec[];
}

/** Default delivery attempts before Pub/Sub moves a message to the dead-letter topic. */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 5;

/**
 * The consumers' redelivery backoff (infra/pubsub.tf). With five attempts, a message is redelivered
 * after about 10, 20, 40 and 80 s: it outlives an outage of a dependency of two minutes or so before
 * it is dead-lettered.
 */
export const CONSUMER_RETRY_POLICY: RetryPolicy = { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 };

/** Pure: the wait before redelivering a message whose delivery `attempt` (1-based) failed. */
export function redeliveryDelayMs(policy: RetryPolicy, attempt: number): number {
  const seconds = policy.minimumBackoffSeconds * 2 ** Math.max(0, attempt - 1);
  return Math.min(seconds, policy.maximumBackoffSeconds) * 1000;
}

/**
 * Each consuming function's maximum instances, one request at a time each (infra/functions.tf).
 * Alerts get the most: in a storm most notifications only add a mark and end within a second.
 */
export const FUNCTION_MAX_INSTANCES = { 'cluster-lifecycle': 10, 'health-alerts': 20, 'git-push': 2, tick: 1 } as const;

/** Builds the topology for a name prefix such as `fleetpilot-`. */
export function buildTopology(prefix: string): Topology {
  const topics: Record<TopicKey, string> = {
    clusterEvents: `${prefix}cluster-events`,
    healthAlerts: `${prefix}health-alerts`,
    gitPushes: `${prefix}git-pushes`,
    ticks: `${prefix}ticks`,
    results: `${prefix}results`,
    deadLetter: `${prefix}dead-letter`,
  };
  const consumer = (name: keyof typeof FUNCTION_MAX_INSTANCES, topic: TopicKey): SubscriptionSpec => ({
    name: `${prefix}${name}`,
    topic,
    maxDeliveryAttempts: DEFAULT_MAX_DELIVERY_ATTEMPTS,
    retryPolicy: CONSUMER_RETRY_POLICY,
    ackDeadlineSeconds: 60,
    maxInFlight: FUNCTION_MAX_INSTANCES[name],
  });
  return {
    topics,
    subscriptions: [
      consumer('cluster-lifecycle', 'clusterEvents'),
      consumer('health-alerts', 'healthAlerts'),
      consumer('git-push', 'gitPushes'),
      consumer('tick', 'ticks'),
      // Retains results and dead letters so that operators (and tests) can read them back.
      { name: `${prefix}results-audit`, topic: 'results', ackDeadlineSeconds: 60 },
      { name: `${prefix}dead-letter-store`, topic: 'deadLetter', ackDeadlineSeconds: 60 },
    ],
  };
}
