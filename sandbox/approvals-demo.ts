/**
 * The main job's humans-in-the-loop demo: a GitOps push makes drains of more than 10% of a
 * service's traffic wait for a second person; the operator's drain of Osaka answers 202 and moves
 * nothing; the approval appears in the Slack double's approvals channel with Approve / Deny
 * buttons; the operator's own click is refused; the on-call operator's click drains Osaka and the
 * message then says who approved. Osaka is restored and the rule removed afterwards. Every answer
 * it prints is checked (see claims.ts).
 */
import { pollUntil } from '../shared/core/retry.ts';
import { APPROVAL_ACTIONS } from '../shared/approvals/index.ts';
import { apiRequest } from './api-client.ts';
import { Claims } from './claims.ts';
import { readStoreRoute } from './demo-watch.ts';
import { commitConfigChange } from './gitops-repo.ts';
import { sendConfigPush } from './github-push.ts';
import { SANDBOX_SECOND_OPERATOR, type SandboxApi } from './operations-api.ts';
import type { SandboxInfra } from './sandbox.ts';
import { SANDBOX_APPROVALS_CHANNEL, clickSlackButton, slackMessages } from './slack-app.ts';

/** What the demo needs. */
export interface ApprovalsDemoContext {
  sandbox: SandboxInfra;
  api: SandboxApi;
  servicesUrl: string;
  gitops: { repoDir: string; webhookSecret: string };
  print: (line: string) => void;
}

const OSAKA = 'asia-northeast2';

/** Runs the demo; throws `ClaimsFailed` when an answer was not the one claimed. */
export async function approvalsDemo(ctx: ApprovalsDemoContext): Promise<void> {
  const { api, print, sandbox } = ctx;
  const claims = new Claims('approvals demo', print);
  const double = { doubleUrl: sandbox.doubleUrl, token: sandbox.token };
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await apiRequest(api.url, method, path, { token, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const osakaWeight = async () =>
    (await readStoreRoute(sandbox.adapters, sandbox.token))?.defaultBackends.find((b) => b.name === `store-${OSAKA}`)?.weight;
  const setRules = async (message: string, rules: unknown[] | undefined) => {
    const { commit, before } = await commitConfigChange(ctx.gitops.repoDir, message, (doc) => {
      if (rules) doc.set('approvals', doc.createNode({ rules, expireAfterSeconds: 900 }));
      else if (doc.has('approvals')) doc.delete('approvals');
    });
    await sendConfigPush(ctx.servicesUrl, ctx.gitops.webhookSecret, { commit, before }, 'platform-team');
    await pollUntil(
      async () => {
        const view = await call('GET', '/v1/config', api.tokens.viewer);
        const revision = view.body.revision as { commit?: string } | null;
        return revision?.commit === commit ? true : undefined;
      },
      { timeoutMs: 60_000, what: `config commit ${commit.slice(0, 12)} applied` },
    );
    return commit;
  };

  print('');
  const commit = await setRules('drains of more than 10% of a service need a second person', [
    { action: 'drain', when: { trafficShareAbove: 0.1 } },
  ]);
  print(`Approvals: commit ${commit.slice(0, 12)} applied — approvals.rules: [{action: drain, when: {trafficShareAbove: 0.1}}]`);
  try {
    const weightBefore = await osakaWeight();
    const asked = await call('POST', `/v1/regions/${OSAKA}/drain`, api.tokens.operator, { reason: 'demo: canary errors in Osaka' });
    const id = (asked.body.approval as { id?: string } | undefined)?.id ?? '';
    print(`  operator POST …/drain → ${asked.status} ${String(asked.body.summary)}`);
    claims.check(
      'a drain above the threshold waits for approval (HTTP 202)',
      asked.status === 202 && id !== '',
      JSON.stringify(asked.body),
    );
    claims.check('nothing moved while it waits', (await osakaWeight()) === weightBefore, `Osaka weight ${await osakaWeight()}`);
    const message = await pollUntil(async () => (await slackMessages(double)).find((m) => JSON.stringify(m.blocks).includes(id)), {
      timeoutMs: 30_000,
      what: `approval ${id} in Slack`,
    });
    print(`  Slack ${SANDBOX_APPROVALS_CHANNEL} (the double's Web API, posted with @slack/web-api): "${message.text}"`);
    const buttons = message.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as { text: { text: string } }[]);
    claims.check(
      'the Slack message has Approve and Deny buttons',
      buttons.map((b) => b.text.text).join(',') === 'Approve,Deny',
      JSON.stringify(buttons),
    );
    const own = await clickSlackButton(double, {
      ts: message.ts,
      actionId: APPROVAL_ACTIONS.approve,
      user: { id: 'U0OPERATOR', name: 'operator' },
    });
    const told = await pollUntil(
      async () => ((await (await fetch(own.responseUrl)).json()) as { messages: { text: string }[] }).messages[0]?.text,
      { timeoutMs: 15_000, what: 'the answer to the requester' },
    );
    print(`  operator clicks Approve → told only them: "${told}"`);
    claims.check(
      'the requester cannot approve their own drain',
      told.startsWith('failed: operator@sandbox.local asked for approval'),
      told,
    );
    await clickSlackButton(double, {
      ts: message.ts,
      actionId: APPROVAL_ACTIONS.approve,
      user: { id: SANDBOX_SECOND_OPERATOR.slackUser, name: SANDBOX_SECOND_OPERATOR.name },
    });
    const drained = await pollUntil(async () => ((await osakaWeight()) === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'Osaka drained by the approval',
    }).catch(() => false);
    claims.check(
      `${SANDBOX_SECOND_OPERATOR.name} clicks Approve → Osaka drained (weight 0 on the route)`,
      drained,
      `weight ${await osakaWeight()}`,
    );
    const updated = await pollUntil(
      async () => (await slackMessages(double)).find((m) => m.ts === message.ts && /Approved by/.test(m.text) && !/running/.test(m.text)),
      { timeoutMs: 30_000, what: 'the Slack message updated' },
    );
    print(`  Slack message now: "${updated.text}"`);
    claims.check(
      'the message names the approver and has no buttons left',
      updated.text.includes(`Approved by ${SANDBOX_SECOND_OPERATOR.email}`) && !updated.blocks.some((b) => b.type === 'actions'),
      updated.text,
    );
  } finally {
    await call('POST', `/v1/regions/${OSAKA}/restore`, api.tokens.operator, { reason: 'demo: approvals done' });
    await setRules('no approval rules', undefined);
  }
  print('  Osaka restored, the rule removed.');
  claims.verify();
}
