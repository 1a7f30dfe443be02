/**
 * Wires the operations API and the Slack commands to the real flows: fleet operations over the
 * fleet context (the runner publishes each outcome to the results topic), API tokens in Firestore,
 * Google ID tokens verified for the configured audience, Slack results posted with fetch (no redirects followed).
 */
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import type { Clock } from '../shared/core/clock.ts';
import type { Logger } from '../shared/core/logger.ts';
import type { FleetContext } from '../shared/core/context.ts';
import { createFleetOps, type ApiDeps, type FleetOps } from './api/deps.ts';
import type { ManualResult } from '../shared/core/manual-result.ts';
import { showApproval } from '../shared/approvals/index.ts';
import { googleIdTokenVerifier } from './api/id-token.ts';
import type { Role } from './api/principal.ts';
import { createRateLimiter } from './api/rate-limit.ts';
import { createReadiness } from './api/readiness.ts';
import { runPreflight } from '../shared/ops/preflight.ts';
import type { ServiceConfig } from './config.ts';
import type { SlackDeps } from './slack/deps.ts';
import { slackOpsFrom } from './slack/fleet-ops.ts';

/** How long a post to Slack's response_url may take. */
const POST_TIMEOUT_MS = 10_000;

/** The API's and the Slack commands' dependencies. `background` collects Slack tasks still running. */
export function buildOperations(
  config: ServiceConfig,
  fleet: FleetContext,
  gcp: Pick<GcpAdapters, 'store' | 'projectApis'>,
  shell: { clock: Clock; log: Logger; background: Set<Promise<unknown>> },
): { api: ApiDeps; slack: SlackDeps } {
  const background = (task: Promise<unknown>) => {
    shell.background.add(task);
    void task.finally(() => shell.background.delete(task));
  };
  const ops = withApprovalMessages(
    createFleetOps(fleet, createReadiness(fleet), () => runPreflight({ ...fleet, projectApis: gcp.projectApis })),
    (id) => background(showApproval(fleet, id)),
  );
  const principals: Record<string, Role> = config.api.principals;
  const api: ApiDeps = {
    ops,
    store: gcp.store,
    auth: {
      tokens: gcp.store,
      idTokens: config.api.audience
        ? googleIdTokenVerifier({ audience: config.api.audience, ...(config.api.certsUrl ? { certsUrl: config.api.certsUrl } : {}) })
        : undefined,
      principals,
    },
    limiter: createRateLimiter(config.api.ratePerMinute, shell.clock),
    clock: shell.clock,
    log: shell.log,
  };
  const slack: SlackDeps = {
    signingSecret: config.slack.signingSecret,
    users: config.slack.users,
    roleOf: (id) => (Object.hasOwn(principals, id) ? principals[id] : undefined),
    ops: slackOpsFrom(ops),
    store: gcp.store,
    clock: shell.clock,
    log: shell.log,
    post: async (url, body) => {
      // Never follow a redirect: it would re-send the result to a host the URL check never saw.
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (!res.ok)
        throw new Error(
          `response_url answered HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (a redirect, not followed)' : ''}`,
        );
    },
    responseUrlPrefixes: config.slack.responseUrlPrefixes,
    background,
  };
  return { api, slack };
}

/**
 * `ops` whose requests and decisions bring the approval's Slack message up to date at once (the
 * tick would within a minute): the new approval is posted, a decided one shows who decided.
 */
function withApprovalMessages(ops: FleetOps, show: (approvalId: string) => void): FleetOps {
  const after = async (run: Promise<ManualResult>, id?: string) => {
    const result = await run.catch((error: unknown) => {
      // A refused decision may still have changed the approval (an expiry found late).
      if (id) show(id);
      throw error;
    });
    const shown = id ?? result.approval?.id;
    if (shown) show(shown);
    return result;
  };
  return {
    ...ops,
    manualDrain: (request) => after(ops.manualDrain(request)),
    offboard: (request) => after(ops.offboard(request)),
    decide: (decision) => after(ops.decide(decision), decision.id),
  };
}
