/**
 * Starts fleetpilot's Cloud Functions inside the sandbox: sets the environment their composition
 * roots read, registers them with the functions-framework, serves them over HTTP behind a Pub/Sub
 * push bridge, and publishes ticks as Cloud Scheduler would. With `from: 'dist'` the built artifact
 * runs instead, each function in its own functions-framework CLI process, exactly as deployed.
 */
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import type { Logger } from '../shared/core/logger.ts';
import { ensureBuilt, startBuiltFunction, type ArtifactProcess } from './built-artifact.ts';
import { hostFunctions, type HostedFunction } from './functions-host.ts';

/** Where the functions run from: `source`, registered in this process; `dist`, the built artifact in processes of their own. */
export type RunFrom = 'source' | 'dist';

/** Starts the functions; `stop()` ends the ticker, the bridges and the servers (or processes). */
export async function startFunctions(deps: {
  env: Record<string, string>;
  adapters: GcpAdapters;
  projectId: string;
  log: Logger;
  tickIntervalMs: number;
  from?: RunFrom;
}) {
  const { topics, subscriptions } = deps.adapters.topology;
  // The consumer subscription of a topic, with its dead-letter attempts and redelivery backoff.
  const fed = (target: string, topic: string): HostedFunction => {
    const spec = subscriptions.find((s) => topics[s.topic] === topic && s.maxDeliveryAttempts)!;
    return {
      target,
      topic,
      subscription: spec.name,
      ...(spec.retryPolicy ? { retryPolicy: spec.retryPolicy } : {}),
      ...(spec.maxDeliveryAttempts ? { maxDeliveryAttempts: spec.maxDeliveryAttempts } : {}),
      // The tick is not held back: the sandbox ticks every second where Cloud Scheduler ticks every
      // minute, and a tick that finds another running is skipped at once by the tick lease.
      ...(spec.maxInFlight && topic !== topics.ticks ? { maxInFlight: spec.maxInFlight } : {}),
    };
  };
  const functions: HostedFunction[] = [
    fed('clusterLifecycle', topics.clusterEvents),
    fed('tick', topics.ticks),
    fed('healthAlerts', topics.healthAlerts),
    fed('gitPush', topics.gitPushes),
  ];
  const built = deps.from === 'dist' ? await startBuilt(functions, deps.env) : [];
  if (deps.from !== 'dist') {
    // This process is the functions' runtime here: their composition roots read process.env, as on Cloud Run.
    Object.assign(process.env, deps.env);
    await import('../functions/cluster-lifecycle/index.ts');
    await import('../functions/tick/index.ts');
    await import('../functions/health-alerts/index.ts');
    await import('../functions/git-push/index.ts');
  }
  const stopBuilt = () => Promise.all(built.map((fn) => fn.stop()));
  const host = await hostFunctions(
    { pubsub: deps.adapters.pubsub, projectId: deps.projectId, log: deps.log.child({ component: 'functions-host' }) },
    functions.map((fn, i) => ({ ...fn, url: built[i]?.url })),
  ).catch(async (error: unknown) => {
    await stopBuilt();
    throw error;
  });
  const ticker = setInterval(() => {
    deps.adapters.pubsub
      .publish('ticks', { source: 'sandbox-scheduler' })
      .catch((error: unknown) => deps.log.warn('tick publish failed', { error }));
  }, deps.tickIntervalMs);
  return {
    async stop(): Promise<void> {
      clearInterval(ticker);
      await host.stop();
      await stopBuilt();
    },
  };
}

/** The built functions (dist/, rebuilt when stale), one functions-framework process each, in `functions`' order; all or none. */
async function startBuilt(functions: HostedFunction[], env: Record<string, string>): Promise<ArtifactProcess[]> {
  await ensureBuilt();
  const started = await Promise.allSettled(functions.map((fn) => startBuiltFunction(fn.target, { env, echo: true })));
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(running.map((fn) => fn.stop()));
    throw failed.reason;
  }
  return running;
}
