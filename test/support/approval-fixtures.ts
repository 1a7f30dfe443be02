/** Test fixtures for approvals and their Slack side: one pending drain approval, and the Slack router as the services mount it. */
import { Hono } from 'hono';
import { toErrorResponse } from '../../services/http-errors.ts';
import type { SlackDeps } from '../../services/slack/deps.ts';
import { slackRouter } from '../../services/slack/router.ts';
import type { ApprovalRecord } from '../../shared/approvals/index.ts';

/** A pending approval of a drain of Osaka (half the store's traffic), asked for by ops@example.com. */
export function pendingDrainApproval(over: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: 'a1',
    action: 'drain',
    request: { type: 'drain', region: 'asia-northeast2', reason: 'bad deploy' },
    rule: 'drain moving more than 30% of a service’s traffic',
    requestedBy: 'ops@example.com',
    requestedAt: '2025-05-01T12:00:00.000Z',
    expiresAt: '2025-05-01T12:15:00.000Z',
    plan: ['drain asia-northeast2 requested by ops@example.com', 'store: 50% of default traffic moves', 'capacity: Tokyo can run it'],
    material: [],
    summary: 'drain asia-northeast2 by ops@example.com: bad deploy',
    state: 'pending',
    ...over,
  };
}

/** `/slack/*` with errors mapped as the services map them. */
export function slackApp(deps: SlackDeps): Hono {
  const app = new Hono();
  app.route('/slack', slackRouter(deps));
  app.onError((e, c) => {
    const r = toErrorResponse(e);
    return c.json(r.body, r.status);
  });
  return app;
}
