/**
 * A subscription of a test's own on the results topic: what a chat bot would see. Messages are
 * collected as they arrive; `close()` ends the client.
 */
import { PubSub, type Message } from '@google-cloud/pubsub';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { sandboxInfo } from './sandbox-clients.ts';

/** The collected messages and a way to stop. */
export interface ResultsFeed<T> {
  messages: T[];
  close(): Promise<void>;
}

/** Subscribes `name` (unique per run) to the sandbox's results topic, collecting into `messages`. */
export async function subscribeResults<T>(adapters: GcpAdapters, name: string, messages: T[] = []): Promise<ResultsFeed<T>> {
  const raw = new PubSub({ projectId: sandboxInfo().projectId, apiEndpoint: sandboxInfo().pubsubHost, emulatorMode: true });
  const [sub] = await raw.topic(adapters.topology.topics.results).createSubscription(name);
  sub.on('message', (m: Message) => {
    messages.push(JSON.parse(m.data.toString('utf8')) as T);
    m.ack();
  });
  return { messages, close: () => raw.close() };
}
