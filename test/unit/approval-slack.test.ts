import { describe, expect, it } from 'vitest';
import type { ChatAdapter, ChatMessage } from '../../shared/adapters/slack-chat.ts';
import {
  APPROVAL_ACTIONS,
  approvalMessage,
  gatedManualDrain,
  planApprovalMessages,
  readApproval,
  syncApprovalMessages,
} from '../../shared/approvals/index.ts';
import { createApproval } from '../../shared/approvals/approval-record.ts';
import { CLAIM_MS } from '../../shared/approvals/approval-slack.ts';
import { TransientError } from '../../shared/core/errors.ts';
import { createLogger } from '../../shared/core/logger.ts';
import { memoryStore } from '../support/memory-store.ts';
import { pendingDrainApproval } from '../support/approval-fixtures.ts';
import { demoFleet } from '../support/memory-fleet.ts';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';

const NOW = Date.parse('2025-05-01T12:05:00.000Z');
const CHANNEL = 'C0APPROVALS';

const approval = pendingDrainApproval;

/** A chat whose messages are kept as Slack would keep them. */
function fakeChat(fail?: () => Error | undefined): ChatAdapter & { messages: Map<string, ChatMessage>; posts: number } {
  const messages = new Map<string, ChatMessage>();
  const chat = {
    messages,
    posts: 0,
    async post(message: ChatMessage) {
      await Promise.resolve();
      const error = fail?.();
      if (error) throw error;
      chat.posts += 1;
      const ts = `1746100000.${String(chat.posts).padStart(6, '0')}`;
      messages.set(ts, message);
      return { channel: message.channel, ts };
    },
    async update(message: ChatMessage & { ts: string }) {
      if (!messages.has(message.ts)) throw new Error('message_not_found');
      messages.set(message.ts, message);
    },
  };
  return chat;
}

const buttons = (m: ChatMessage) => m.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as { action_id: string }[]);

describe('approvalMessage', () => {
  it('shows a pending approval with Approve and Deny buttons carrying its id, its traffic and its guards', () => {
    const m = approvalMessage(approval(), CHANNEL);
    expect(buttons(m)).toEqual([
      expect.objectContaining({ action_id: APPROVAL_ACTIONS.approve, value: 'a1', style: 'primary' }),
      expect.objectContaining({ action_id: APPROVAL_ACTIONS.deny, value: 'a1', style: 'danger' }),
    ]);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('store: 50% of default traffic moves');
    expect(text).toContain('capacity: Tokyo can run it');
    expect(m.text).toMatch(/^Drain of asia-northeast2 needs a second person's approval: .* — waiting for approval$/);
  });

  it.each([
    [
      'approved',
      { decidedBy: 'oncall@example.com', decidedAt: 'T1', outcome: 'asia-northeast2 drained' },
      'Approved by oncall@example.com at T1: asia-northeast2 drained',
    ],
    [
      'denied',
      { decidedBy: 'oncall@example.com', decidedAt: 'T1', outcome: 'not convinced' },
      'Denied by oncall@example.com at T1: not convinced',
    ],
    ['expired', { decidedAt: 'T2' }, 'Expired at T2; nothing was done'],
    [
      'failed',
      { decidedBy: 'oncall@example.com', decidedAt: 'T1', outcome: 'refused: plan changed' },
      'Approved by oncall@example.com at T1, but the action failed: refused: plan changed',
    ],
  ] as const)('shows a %s approval without buttons: "%s"', (state, over, line) => {
    const m = approvalMessage(approval({ state, ...over }), CHANNEL);
    expect(buttons(m)).toEqual([]);
    expect(m.text).toContain(line);
  });

  it("stays inside Slack's limits for a huge plan and escapes Slack's control characters", () => {
    const plan = Array.from({ length: 500 }, (_, i) => `<!channel> line ${i} ${'x'.repeat(400)}`);
    const m = approvalMessage(approval({ plan, summary: `<@U123> & ${'y'.repeat(5_000)}` }), CHANNEL);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    const texts = JSON.stringify(m.blocks).match(/"text":"(?:[^"\\]|\\.)*"/g) ?? [];
    for (const t of texts) expect((JSON.parse(`{${t}}`) as { text: string }).text.length).toBeLessThanOrEqual(3_000);
    expect(JSON.stringify(m.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(m.blocks)).toContain('…and 491 more lines');
  });
});

describe('planApprovalMessages', () => {
  it.each([
    ['a pending approval never posted', approval(), { post: ['a1'], update: [] }],
    [
      'one whose post another poster claimed a moment ago',
      approval({ slack: { channel: CHANNEL, claimedAt: new Date(NOW - 1_000).toISOString() } }),
      { post: [], update: [] },
    ],
    [
      'one whose claim ran out (its poster died)',
      approval({ slack: { channel: CHANNEL, claimedAt: new Date(NOW - CLAIM_MS).toISOString() } }),
      { post: ['a1'], update: [] },
    ],
    ['a pending approval past its expiry', approval({ expiresAt: new Date(NOW).toISOString() }), { post: [], update: [] }],
    ['a decided approval never posted', approval({ state: 'denied' }), { post: [], update: [] }],
    [
      'a posted message that shows its state',
      approval({ slack: { channel: CHANNEL, ts: '1.1', shown: 'pending' } }),
      { post: [], update: [] },
    ],
    [
      'a posted message that shows an older state',
      approval({ state: 'expired', slack: { channel: CHANNEL, ts: '1.1', shown: 'pending' } }),
      { post: [], update: ['a1'] },
    ],
  ])('%s', (_what, a, expected) => {
    expect(planApprovalMessages([a], NOW)).toEqual(expected);
  });
});

describe('syncApprovalMessages', () => {
  const log = createLogger({ write: () => undefined });

  it('posts each approval once though two posters run at once, then shows its decision', async () => {
    const store = memoryStore();
    const chat = fakeChat();
    const deps = { store, clock: { now: () => new Date(NOW) }, log, approvalsChat: { chat, channel: CHANNEL } };
    await createApproval(store, approval());
    const [one, two] = await Promise.all([
      syncApprovalMessages(deps, [(await readApproval(store, 'a1'))!]),
      syncApprovalMessages(deps, [(await readApproval(store, 'a1'))!]),
    ]);
    expect([...one, ...two]).toEqual(['approval a1 posted to Slack']);
    expect(chat.messages.size).toBe(1);
    const stored = (await readApproval(store, 'a1'))!;
    expect(stored.slack).toEqual({ channel: CHANNEL, ts: '1746100000.000001', shown: 'pending' });

    await store.set('approvals', 'a1', { ...stored, state: 'approved', decidedBy: 'oncall@example.com', decidedAt: 'T1' });
    expect(await syncApprovalMessages(deps, [(await readApproval(store, 'a1'))!])).toEqual(['approval a1 message shows approved']);
    expect(chat.messages.get('1746100000.000001')!.text).toContain('Approved by oncall@example.com at T1');
    expect(await syncApprovalMessages(deps, [(await readApproval(store, 'a1'))!])).toEqual([]);
  });

  it('leaves a failed post to the next run at once (the claim is released), without throwing', async () => {
    const store = memoryStore();
    let down = true;
    const chat = fakeChat(() => (down ? new TransientError('Slack chat.postMessage got no answer') : undefined));
    const deps = { store, clock: { now: () => new Date(NOW) }, log, approvalsChat: { chat, channel: CHANNEL } };
    await createApproval(store, approval());
    expect(await syncApprovalMessages(deps, [(await readApproval(store, 'a1'))!])).toEqual([]);
    expect((await readApproval(store, 'a1'))!.slack).toEqual({ channel: CHANNEL });
    down = false;
    expect(await syncApprovalMessages(deps, [(await readApproval(store, 'a1'))!])).toEqual(['approval a1 posted to Slack']);
  });

  it('does nothing without a chat configured', async () => {
    const store = memoryStore();
    await createApproval(store, approval());
    expect(await syncApprovalMessages({ store, clock: { now: () => new Date(NOW) }, log }, [approval()])).toEqual([]);
  });
});

describe('the tick and Slack', () => {
  it('posts an approval asked for where no chat is, and after its expiry shows it expired, without buttons', async () => {
    const fleet = await demoFleet();
    const config = fleet.config();
    fleet.setConfig({ ...config, approvals: { rules: [{ action: 'drain', when: { trafficShareAbove: 0.3 } }], expireAfterSeconds: 900 } });
    const asked = await gatedManualDrain(fleet.ctx, {
      action: 'drain',
      region: 'asia-northeast2',
      reason: 'bad deploy',
      principal: 'alice@example.com',
      dryRun: false,
      source: 'api',
    });
    const chat = fakeChat();
    const withChat = { fleet: { ...fleet.ctx, approvalsChat: { chat, channel: CHANNEL } } } as Pick<
      FunctionContext,
      'fleet'
    > as FunctionContext;
    await tickHandler(withChat, 'slack-tick-1');
    expect([...chat.messages.values()].map((m) => buttons(m).length)).toEqual([2]);
    fleet.clock.advance(901_000);
    await tickHandler(withChat, 'slack-tick-2');
    const [shown] = [...chat.messages.values()];
    expect(shown!.text).toMatch(/Expired at .*; nothing was done/);
    expect(buttons(shown!)).toEqual([]);
    expect((await readApproval(fleet.ctx.store, asked.approval!.id))?.slack).toMatchObject({ shown: 'expired' });
  });
});
