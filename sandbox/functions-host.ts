/**
 * Runs fleetpilot's Cloud Functions locally the way Google runs them: each registered function is
 * served by the real functions-framework over HTTP, and a push bridge delivers Pub/Sub messages
 * from the emulator as `messagePublished` CloudEvents (2xx acks; anything else is retried by
 * Pub/Sub and dead-lettered after the configured attempts). A failed push is redelivered after the
 * subscription's retry policy backoff (10, 20, 40, 80 s), as Pub/Sub does in production: the
 * emulator redelivers a nacked message at once, so five attempts would span seconds and dead-letter
 * what a short outage of a dependency made fail.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { PubSubAdapter, ReceivedMessage } from '../shared/adapters/pubsub.ts';
import { redeliveryDelayMs, type RetryPolicy } from '../shared/adapters/topology.ts';
import { isRetryable, TerminalError, TransientError } from '../shared/core/errors.ts';
import type { Logger } from '../shared/core/logger.ts';
import { semaphore } from './semaphore.ts';

/** How long stopping waits for runs in flight before it cuts their connections. */
const STOP_GRACE_MS = 5_000;

/** A function served locally and the subscription that feeds it. */
export interface HostedFunction {
  target: string;
  subscription: string;
  topic: string;
  /** Where the function already listens (a built function in its own process); unset: served here. */
  url?: string;
  /** The subscription's redelivery backoff and attempts; unset: redelivered at once. */
  retryPolicy?: RetryPolicy;
  maxDeliveryAttempts?: number;
  /** Pushes in flight at most (the function's instances); unset: no limit. */
  maxInFlight?: number;
}

/** Serves the given functions (registered in this process, or listening at `url`) and bridges their subscriptions. */
export async function hostFunctions(deps: { pubsub: PubSubAdapter; projectId: string; log: Logger }, functions: HostedFunction[]) {
  const servers: Server[] = [];
  const subscriptions: { close(): Promise<void> }[] = [];
  // Stopping ends every backoff at once: the messages are nacked and wait in the subscription.
  const stopping = new AbortController();
  for (const fn of functions) {
    const url = fn.url ?? (await serveHere(fn.target, servers));
    deps.log.info('function served', { target: fn.target, url, subscription: fn.subscription, maxInFlight: fn.maxInFlight });
    // As Pub/Sub holds deliveries back while every instance is busy, so does the bridge.
    const slot = semaphore(fn.maxInFlight ?? Number.POSITIVE_INFINITY);
    subscriptions.push(
      deps.pubsub.subscribe(fn.subscription, (message) =>
        slot(() => push(url, fn, deps.projectId, message)).catch(async (error: unknown) => {
          await backoff(fn, message, error, stopping.signal);
          throw error;
        }),
      ),
    );
  }
  return {
    async stop(): Promise<void> {
      stopping.abort();
      for (const sub of subscriptions) await sub.close();
      // Runs still in flight (a storm's waiters) get a few seconds, then their connections are cut:
      // their messages were nacked above and wait in the subscription.
      await Promise.all(
        servers.map(async (server) => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const cut = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
          await closed;
          clearTimeout(cut);
        }),
      );
    },
  };
}

/** Holds a transiently failed message for its redelivery backoff (not after the last attempt: it is dead-lettered). */
async function backoff(fn: HostedFunction, message: ReceivedMessage, error: unknown, signal: AbortSignal): Promise<void> {
  if (!fn.retryPolicy || !isRetryable(error) || message.deliveryAttempt >= (fn.maxDeliveryAttempts ?? Infinity)) return;
  await delay(redeliveryDelayMs(fn.retryPolicy, message.deliveryAttempt), undefined, { signal }).catch(() => undefined);
}

/** Serves a function registered in this process on a loopback port. */
async function serveHere(target: string, servers: Server[]): Promise<string> {
  const server = getTestServer(target);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function push(url: string, fn: HostedFunction, projectId: string, message: ReceivedMessage): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': `//pubsub.googleapis.com/projects/${projectId}/topics/${fn.topic}`,
      'ce-id': message.id,
      'ce-time': message.publishTime.toISOString(),
    },
    body: JSON.stringify({
      message: {
        data: message.data.toString('base64'),
        attributes: message.attributes,
        messageId: message.id,
        publishTime: message.publishTime.toISOString(),
      },
      subscription: `projects/${projectId}/subscriptions/${fn.subscription}`,
      deliveryAttempt: message.deliveryAttempt,
    }),
  }).catch((error: unknown) => {
    throw new TransientError(`function ${fn.target} unreachable`, {}, { cause: error });
  });
  if (res.ok) return;
  const body = (await res.text()).slice(0, 500);
  if (res.status >= 500 || res.status === 429) throw new TransientError(`function ${fn.target} answered ${res.status}: ${body}`);
  throw new TerminalError(`function ${fn.target} refused the event (${res.status}): ${body}`);
}
