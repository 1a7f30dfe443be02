/**
 * Pub/Sub adapter on @google-cloud/pubsub: creates the topology idempotently, publishes JSON, and
 * runs message handlers with fleetpilot's delivery rules — success acks; a transient failure nacks
 * (Pub/Sub redelivers, then dead-letters after the configured attempts); a terminal failure is
 * recorded on the dead-letter topic with its reason and acknowledged, so it is never retried forever.
 */
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { isAlreadyExists, isRetryable } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { TopicKey, Topology } from './topology.ts';

/** A received message as handlers see it. */
export interface ReceivedMessage {
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  publishTime: Date;
  deliveryAttempt: number;
}

/** What a subscriber does with one message; throw to signal failure. */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

/** Dependencies of {@link createPubSubAdapter}. */
export interface PubSubAdapterDeps {
  pubsub: PubSub;
  topology: Topology;
  log: Logger;
}

/** The Pub/Sub operations fleetpilot needs. */
export interface PubSubAdapter {
  ensureTopology(): Promise<void>;
  publish(topic: TopicKey, payload: unknown, attributes?: Record<string, string>): Promise<string>;
  subscribe(subscription: string, handler: MessageHandler): { close(): Promise<void> };
}

/** Creates the adapter. */
export function createPubSubAdapter(deps: PubSubAdapterDeps): PubSubAdapter {
  const { pubsub, topology, log } = deps;
  const topicName = (key: TopicKey) => topology.topics[key];

  const ensureTopology = async (): Promise<void> => {
    for (const name of Object.values(topology.topics)) {
      await ignoreExists(() => pubsub.createTopic(name));
    }
    const deadLetterTopic = pubsub.topic(topicName('deadLetter')).name;
    for (const spec of topology.subscriptions) {
      await ignoreExists(() =>
        pubsub.topic(topicName(spec.topic)).createSubscription(spec.name, {
          ackDeadlineSeconds: spec.ackDeadlineSeconds,
          ...(spec.maxDeliveryAttempts ? { deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts: spec.maxDeliveryAttempts } } : {}),
          ...(spec.retryPolicy
            ? {
                retryPolicy: {
                  minimumBackoff: { seconds: spec.retryPolicy.minimumBackoffSeconds },
                  maximumBackoff: { seconds: spec.retryPolicy.maximumBackoffSeconds },
                },
              }
            : {}),
        }),
      );
    }
  };

  const publish = async (topic: TopicKey, payload: unknown, attributes: Record<string, string> = {}) => {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
    return pubsub.topic(topicName(topic)).publishMessage({ data, attributes });
  };

  const subscribe = (name: string, handler: MessageHandler) => {
    const subscription: Subscription = pubsub.subscription(name);
    const onMessage = (message: Message): void => {
      void deliver(message, handler).catch((error: unknown) => {
        log.error('pubsub delivery bookkeeping failed', { subscription: name, messageId: message.id, error });
        message.nack();
      });
    };
    const deliver = async (message: Message, run: MessageHandler): Promise<void> => {
      const fields = { subscription: name, messageId: message.id, deliveryAttempt: message.deliveryAttempt };
      try {
        await run(toReceived(message));
        message.ack();
      } catch (error) {
        if (isRetryable(error)) {
          log.warn('message handling failed, will be redelivered', { ...fields, error });
          message.nack();
          return;
        }
        log.error('message rejected permanently, sent to dead-letter topic', { ...fields, error });
        await publish('deadLetter', message.data, {
          ...message.attributes,
          fleetpilotError: error instanceof Error ? error.message.slice(0, 1000) : String(error),
          fleetpilotSourceSubscription: name,
          fleetpilotSourceMessageId: message.id,
        });
        message.ack();
      }
    };
    subscription.on('message', onMessage);
    subscription.on('error', (error: unknown) => log.error('pubsub subscription error', { subscription: name, error }));
    return {
      close: async () => {
        subscription.removeListener('message', onMessage);
        await subscription.close();
      },
    };
  };

  return { ensureTopology, publish, subscribe };
}

function toReceived(message: Message): ReceivedMessage {
  return {
    id: message.id,
    data: message.data,
    attributes: { ...message.attributes },
    publishTime: new Date(message.publishTime.getTime()),
    deliveryAttempt: message.deliveryAttempt ?? 1,
  };
}

async function ignoreExists(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}
