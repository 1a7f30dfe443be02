import { describe, expect, it } from 'vitest';
import { decodeAuditCloudEvent } from '../../functions/cluster-lifecycle/decode.ts';

const entry = { protoPayload: { methodName: 'google.container.v1.ClusterManager.CreateCluster' }, operation: { id: 'op-1', last: true } };
const sink = (data: unknown) => ({
  id: 'ce-1',
  type: 'google.cloud.pubsub.topic.v1.messagePublished',
  data: { message: { data, messageId: 'm-1' } },
});

describe('decodeAuditCloudEvent', () => {
  it.each([
    ['a Log Router sink message', sink(Buffer.from(JSON.stringify(entry)).toString('base64')), { ok: true, entry, messageId: 'm-1' }],
    [
      'an Eventarc audit-log event',
      { id: 'ce-2', type: 'google.cloud.audit.log.v1.written', data: entry },
      { ok: true, entry, messageId: 'ce-2' },
    ],
    ['a sink message without data', sink(undefined), { ok: false, reason: 'Pub/Sub message has no data', messageId: 'm-1' }],
    [
      'a sink message that is not JSON',
      sink(Buffer.from('{nope').toString('base64')),
      { ok: false, reason: 'Pub/Sub message data is not base64 JSON', messageId: 'm-1' },
    ],
    [
      'an Eventarc event without an entry',
      { id: 'ce-3', type: 'google.cloud.audit.log.v1.written' },
      { ok: false, reason: 'Eventarc audit-log event without a LogEntry object', messageId: 'ce-3' },
    ],
    [
      'another event type',
      { id: 'ce-4', type: 'google.cloud.storage.object.v1.finalized', data: {} },
      { ok: false, reason: 'unsupported CloudEvent type google.cloud.storage.object.v1.finalized', messageId: 'ce-4' },
    ],
  ])('decodes %s', (_name, event, expected) => {
    expect(decodeAuditCloudEvent(event)).toEqual(expected);
  });
});
