/**
 * The composition root shared by the Cloud Functions: validates the environment once, builds the
 * real adapters, and hands out the fleet context. Built lazily on the first event so a
 * configuration error fails that invocation with one clear message.
 */
import { createGcpAdapters, type GcpAdapters } from '../shared/adapters/gcp.ts';
import { ConfigError, loadEnv, type Env } from '../shared/config/env.ts';
import { systemClock } from '../shared/core/clock.ts';
import { createLogger, type Logger } from '../shared/core/logger.ts';
import type { FleetContext } from '../shared/core/context.ts';
import { createFleetContext } from '../shared/fleet-context.ts';

/** What every function needs. */
export interface FunctionContext {
  env: Env;
  adapters: GcpAdapters;
  fleet: FleetContext;
  log: Logger;
}

/** Builds the context from an environment (process.env at the real entry points). */
export async function buildFunctionContext(rawEnv: Record<string, string | undefined>, component: string): Promise<FunctionContext> {
  const env = loadEnv(rawEnv);
  const log = createLogger({ level: env.LOG_LEVEL, fields: { component } });
  const adapters = await createGcpAdapters(env, { clock: systemClock, log });
  const fleet = createFleetContext(env, adapters, log);
  return { env, adapters, fleet, log };
}

/** Memoises the context per process (Cloud Functions reuse instances across invocations). */
export function lazyContext(component: string, rawEnv: Record<string, string | undefined>): () => Promise<FunctionContext> {
  let pending: Promise<FunctionContext> | undefined;
  return () => {
    pending ??= buildFunctionContext(rawEnv, component).catch((error: unknown) => {
      pending = undefined;
      // One structured line with every problem: the framework's own report of the error is a
      // multi-line stack, and deployed (NODE_ENV=production) its HTTP answer is a bare 500.
      if (error instanceof ConfigError) {
        createLogger({ fields: { component } }).error('invalid configuration', { problems: error.problems });
      }
      throw error;
    });
    return pending;
  };
}
