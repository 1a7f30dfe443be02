/**
 * Pub/Sub adapter against the real Pub/Sub emulator: topology creation, publish/subscribe,
 * redelivery of transient failures, and dead-lettering of terminal and exhausted messages.
 */
import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../shared/core/errors.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import type { ReceivedMessage } from '../../shared/adapters/pubsub.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

describe('Pub/Sub adapter (emulator)', () => {
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  let adapters: GcpAdapters;
  let raw: PubSub;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    adapters = await sandboxAdapters({ FLEETPILOT_TOPIC_PREFIX: prefix });
    await adapters.pubsub.ensureTopology();
    await adapters.pubsub.ensureTopology(); // idempotent
    raw = new PubSub({ projectId: sandboxInfo().projectId, apiEndpoint: sandboxInfo().pubsubHost, emulatorMode: true });
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await raw.close();
    await adapters.close();
  });

  const collect = (subscription: string, handler: (m: ReceivedMessage) => Promise<void>) => {
    const sub = adapters.pubsub.subscribe(`${prefix}${subscription}`, handler);
    closers.push(() => sub.close());
  };
  it('creates every topic and subscription, with dead-letter policies on consumers', async () => {
    const [topics] = await raw.getTopics();
    const names = topics.map((t) => t.name.split('/').pop());
    expect(names).toEqual(expect.arrayContaining(Object.values(adapters.topology.topics)));
    const [meta] = await raw.subscription(`${prefix}cluster-lifecycle`).getMetadata();
    expect(meta.deadLetterPolicy?.deadLetterTopic).toMatch(new RegExp(`${prefix}dead-letter$`));
    expect(meta.deadLetterPolicy?.maxDeliveryAttempts).toBe(5);
  });

  it('delivers a published JSON message with its attributes', async () => {
    const received: ReceivedMessage[] = [];
    collect('health-alerts', async (m) => void received.push(m));
    const id = await adapters.pubsub.publish('healthAlerts', { version: '1.2', incident: { incident_id: 'i-1' } }, { source: 'test' });
    const message = await pollUntil(() => received.find((m) => m.id === id), { timeoutMs: 15_000, what: 'delivery' });
    expect(JSON.parse(message.data.toString())).toEqual({ version: '1.2', incident: { incident_id: 'i-1' } });
    expect(message.attributes).toEqual({ source: 'test' });
  });

  it('redelivers after a transient failure and dead-letters a terminal one with its reason', async () => {
    const attempts = new Map<string, number>();
    const done: string[] = [];
    collect('git-push', async (m) => {
      const body = m.data.toString();
      attempts.set(body, (attempts.get(body) ?? 0) + 1);
      if (body === '"flaky"' && attempts.get(body) === 1) throw new TransientError('backend busy');
      if (body === '"poison"') throw new TerminalError('payload is not a push event');
      done.push(body);
    });
    const dead: { data: string; attributes: Record<string, string> }[] = [];
    const dlq = raw.subscription(`${prefix}dead-letter-store`);
    const onDead = (m: { data: Buffer; attributes: Record<string, string>; ack(): void }) => {
      dead.push({ data: m.data.toString(), attributes: m.attributes });
      m.ack();
    };
    dlq.on('message', onDead);
    closers.push(async () => void (await dlq.close()));
    await adapters.pubsub.publish('gitPushes', 'flaky');
    await adapters.pubsub.publish('gitPushes', 'poison');
    await pollUntil(() => (done.includes('"flaky"') ? true : undefined), {
      timeoutMs: 30_000,
      what: 'flaky message processed on redelivery',
    });
    expect(attempts.get('"flaky"')).toBe(2);
    const poisoned = await pollUntil(() => dead.find((d) => d.data === '"poison"'), {
      timeoutMs: 15_000,
      what: 'poison message on dead-letter topic',
    });
    expect(poisoned.attributes.fleetpilotError).toBe('payload is not a push event');
    expect(poisoned.attributes.fleetpilotSourceSubscription).toBe(`${prefix}git-push`);
    expect(attempts.get('"poison"')).toBe(1); // terminal: never retried
  });
});
