/**
 * Starts fleetpilot's Cloud Functions inside the sandbox: sets the environment their composition
 * roots read, registers them with the functions-framework, serves them over HTTP behind a Pub/Sub
 * push bridge, and publishes ticks as Cloud Scheduler would.
 */
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import type { Logger } from '../shared/core/logger.ts';
import { hostFunctions } from './functions-host.ts';

/** Starts the functions; `stop()` ends the ticker, the bridges and the servers. */
export async function startFunctions(deps: { env: Record<string, string>; adapters: GcpAdapters; projectId: string; log: Logger; tickIntervalMs: number }) {
  // This process is the functions' runtime here: their composition roots read process.env, as on Cloud Run.
  Object.assign(process.env, deps.env);
  await import('../functions/cluster-lifecycle/index.ts');
  await import('../functions/tick/index.ts');
  await import('../functions/health-alerts/index.ts');
  await import('../functions/git-push/index.ts');
  const { topics, subscriptions } = deps.adapters.topology;
  const byTopic = (topic: string) => subscriptions.find((s) => topics[s.topic] === topic && s.maxDeliveryAttempts)!.name;
  const host = await hostFunctions({ pubsub: deps.adapters.pubsub, projectId: deps.projectId, log: deps.log.child({ component: 'functions-host' }) }, [
    { target: 'clusterLifecycle', topic: topics.clusterEvents, subscription: byTopic(topics.clusterEvents) },
    { target: 'tick', topic: topics.ticks, subscription: byTopic(topics.ticks) },
    { target: 'healthAlerts', topic: topics.healthAlerts, subscription: byTopic(topics.healthAlerts) },
    { target: 'gitPush', topic: topics.gitPushes, subscription: byTopic(topics.gitPushes) },
  ]);
  const ticker = setInterval(() => {
    deps.adapters.pubsub.publish('ticks', { source: 'sandbox-scheduler' }).catch((error: unknown) => deps.log.warn('tick publish failed', { error }));
  }, deps.tickIntervalMs);
  return {
    async stop(): Promise<void> {
      clearInterval(ticker);
      await host.stop();
    },
  };
}
