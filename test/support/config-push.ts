/** Configuration changes in the contract tests, made as the platform team makes them: through Git. */
import { expect } from 'vitest';
import { pollUntil } from '../../shared/core/retry.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import { apiRequest } from '../../sandbox/api-client.ts';
import { sendConfigPush } from '../../sandbox/github-push.ts';
import { commitConfigChange } from '../../sandbox/gitops-repo.ts';
import { sandboxInfo } from './sandbox-clients.ts';

/**
 * A configuration change as the platform team makes it: a commit, and GitHub's signed push; returns
 * once fleetpilot has applied it (its git-push operation finished), so what follows reads it.
 */
export async function pushConfig(message: string, edit: Parameters<typeof commitConfigChange>[2]): Promise<void> {
  const { gitops, api } = sandboxInfo();
  const { commit, before } = await commitConfigChange(gitops.repoDir, message, edit);
  const res = await sendConfigPush(gitops.servicesUrl, gitops.webhookSecret, { commit, before }, 'sre');
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  const applied = await pollUntil(
    async () => {
      const list = await apiRequest(api.url, 'GET', '/v1/operations?kind=git-push&pageSize=20', { token: api.tokens.viewer });
      const { operations } = (await list.json()) as { operations: OperationRecord[] };
      return operations.find((o) => o.trigger.commit === commit && o.finishedAt);
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `fleetpilot to apply ${message}` },
  );
  expect(applied.result, applied.reason).toBe('succeeded');
}
