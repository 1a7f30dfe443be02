/**
 * The composition root of the Cloud Run service: validates the environment (every problem at
 * once), builds the real adapters, and serves the Hono app with @hono/node-server. The sandbox
 * and tests start it in-process with {@link startServices} on a loopback port.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createGcpAdapters } from '../shared/adapters/gcp.ts';
import { ConfigError, parseEnv } from '../shared/config/env.ts';
import { systemClock, type Clock } from '../shared/core/clock.ts';
import { createLogger, type Logger } from '../shared/core/logger.ts';
import { createApp } from './app.ts';
import { buildOperations } from './operations-deps.ts';
import { createFleetContext } from '../shared/fleet-context.ts';
import { parseServiceEnv } from './config.ts';
import type { PublishGitPush } from './webhooks/deps.ts';

/** A running service. */
export interface ServicesHandle {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Stops accepting connections and closes the adapters. */
  close(): Promise<void>;
}

/** Replaceable collaborators of {@link startServices}; by default the real ones are built. */
export interface StartOptions {
  clock?: Clock;
  log?: Logger;
  /** Interface to listen on; `0.0.0.0` (Cloud Run) by default, `127.0.0.1` for the sandbox. */
  hostname?: string;
}

/** Validates `env`, builds the dependencies and starts listening. Throws {@link ConfigError} listing every problem. */
export async function startServices(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<ServicesHandle> {
  const service = parseServiceEnv(env);
  const shared = parseEnv(env);
  if (!service.ok || !shared.ok) {
    const problems = [...new Set([...(service.ok ? [] : service.problems), ...(shared.ok ? [] : shared.problems)])].sort();
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, problems);
  }
  const config = service.config;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: shared.env.LOG_LEVEL, fields: { component: 'services' } });
  if (!config.github && !config.gitlab) log.warn('no webhook secret configured: every webhook delivery will be refused');
  if (Object.keys(config.api.principals).length === 0 && !config.api.audience)
    log.info('operations API: API tokens only (no ID-token audience or principals configured)');

  const gcp = await createGcpAdapters(shared.env, { clock, log });
  const background = new Set<Promise<unknown>>();
  const operations = buildOperations(config, createFleetContext(shared.env, gcp, log), gcp, { clock, log, background });
  const publish: PublishGitPush = (payload, attributes) => gcp.pubsub.publish('gitPushes', payload, attributes);
  const app = createApp({
    github: config.github,
    gitlab: config.gitlab,
    filter: config.filter,
    store: gcp.store,
    publish,
    clock,
    log,
    ...operations,
  });
  return serveApp(app, {
    port: config.port,
    hostname: options.hostname ?? '0.0.0.0',
    log,
    // Slack results still being posted finish before the adapters go.
    onClose: async () => {
      await Promise.allSettled([...background]);
      await gcp.close();
    },
  });
}

/** Serves `app` with @hono/node-server until `close()`; `onClose` runs after the server stopped (or failed to listen). */
export async function serveApp(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: { port: number; hostname: string; log: Logger; onClose?: () => Promise<void> },
): Promise<ServicesHandle> {
  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname });
  try {
    await once(server, 'listening');
  } catch (error) {
    await options.onClose?.();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.hostname === '0.0.0.0' ? '127.0.0.1' : options.hostname}:${port}`;
  options.log.info('services listening', { url });
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await options.onClose?.();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const log = createLogger({ fields: { component: 'services' } });
  void startServices(process.env).then(
    (handle) => {
      process.once('SIGTERM', () => void handle.close().catch((error: unknown) => log.error('shutdown failed', { error })));
    },
    (error: unknown) => {
      log.error('services failed to start', error instanceof ConfigError ? { problems: error.problems } : { error });
      process.exitCode = 1;
    },
  );
}
