/**
 * The composition root of the Cloud Run service: validates the environment (every problem at
 * once), builds the real adapters, and serves the Hono app with @hono/node-server. The sandbox
 * and tests start it in-process with {@link startServices} on a loopback port.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createGcpAdapters, type GcpAdapters } from '../shared/adapters/gcp.ts';
import { ConfigError, parseEnv } from '../shared/config/env.ts';
import { systemClock, type Clock } from '../shared/core/clock.ts';
import { createLogger, type Logger } from '../shared/core/logger.ts';
import { createApp } from './app.ts';
import type { ApiDeps } from './api/deps.ts';
import { buildOperations } from './operations-deps.ts';
import type { SlackDeps } from './slack/deps.ts';
import { createLifecycleDeps } from '../shared/fleet-context.ts';
import { parseServiceEnv } from './config.ts';
import type { PublishGitPush, WebhookStore } from './webhooks/deps.ts';

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
  /** Replace Firestore and Pub/Sub (then the Google Cloud variables are not needed). */
  sinks?: { store: WebhookStore; publish: PublishGitPush };
}

/** Validates `env`, builds the dependencies and starts listening. Throws {@link ConfigError} listing every problem. */
export async function startServices(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<ServicesHandle> {
  const service = parseServiceEnv(env);
  const shared = options.sinks ? undefined : parseEnv(env);
  const problems = [...new Set([...(service.ok ? [] : service.problems), ...(shared && !shared.ok ? shared.problems : [])])].sort();
  if (!service.ok || (shared && !shared.ok)) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, problems);
  }
  const config = service.config;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: shared?.env.LOG_LEVEL ?? 'INFO', fields: { component: 'services' } });
  if (!config.github && !config.gitlab) log.warn('no webhook secret configured: every webhook delivery will be refused');

  let adapters: GcpAdapters | undefined;
  let sinks = options.sinks;
  let operations: { api: ApiDeps; slack: SlackDeps } | undefined;
  const background = new Set<Promise<unknown>>();
  if (!sinks && shared) {
    const gcp = await createGcpAdapters(shared.env, { clock, log });
    adapters = gcp;
    sinks = { store: gcp.store, publish: (payload, attributes) => gcp.pubsub.publish('gitPushes', payload, attributes) };
    operations = buildOperations(config, createLifecycleDeps(shared.env, gcp, log), gcp, { clock, log, background });
  }
  if (!sinks) throw new Error('unreachable: neither sinks nor a Google Cloud environment');
  if (operations && Object.keys(config.api.principals).length === 0 && !config.api.audience) log.info('operations API: API tokens only (no ID-token audience or principals configured)');

  const app = createApp({ github: config.github, gitlab: config.gitlab, filter: config.filter, ...sinks, clock, log, ...operations });
  const hostname = options.hostname ?? '0.0.0.0';
  const server = serve({ fetch: app.fetch, port: config.port, hostname });
  try {
    await once(server, 'listening');
  } catch (error) {
    await adapters?.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostname === '0.0.0.0' ? '127.0.0.1' : hostname}:${port}`;
  log.info('services listening', { url, github: Boolean(config.github), gitlab: Boolean(config.gitlab) });
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      // Slack results still being posted finish before the adapters go.
      await Promise.allSettled([...background]);
      await adapters?.close();
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
