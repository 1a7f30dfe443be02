/**
 * The git-push flow: fetch the configuration at the pushed commit, validate it, record it as a
 * revision, make it the applied one only when the branch's history places it there (the branch's
 * head, or a commit after the applied one; never by commit dates), and re-render the routes from it. Drains and manual holds are separate facts that routes are rendered with, so every
 * revision keeps them. The result goes back to the commit as a status.
 */
import { runOperation, type FlowOutcome, type FlowScope, type RunnerContext } from '../core/run-operation.ts';
import type { RoutesContext } from '../routing/index.ts';
import type { OperationRecord } from '../state/operations.ts';
import { shortSha } from './provider-http.ts';
import type { GitPushMessage } from './push-message.ts';
import { renderRoutes, reportStatus, routesSummary, validateConfigText } from './push-steps.ts';
import { placeCommit } from './placement.ts';
import { applyByHistory, recordRevision } from './revisions.ts';
import type { ConfigSource } from './sources.ts';
import type { CommitStatusReporter } from './status.ts';
import { GITOPS_STEPS } from './steps.ts';

/** Where pushed configurations come from and where their results go. */
export interface GitOpsSource {
  source: ConfigSource;
  status: CommitStatusReporter;
  /** The configuration file's path in the repository (e.g. `fleet.yaml`). */
  configPath: string;
}

/** What the git-push flow needs. */
export type GitPushContext = RunnerContext & RoutesContext & GitOpsSource;

/** Options of {@link handleGitPush}. */
export interface GitPushOptions {
  /** The last delivery attempt: a transient failure is then reported and acknowledged, not rethrown. */
  finalAttempt?: boolean;
}

/** Handles one git-push message; throws only for failures Pub/Sub should redeliver. */
export async function handleGitPush(
  ctx: GitPushContext,
  message: GitPushMessage,
  messageId: string,
  options: GitPushOptions = {},
): Promise<OperationRecord> {
  const commit = message.commit;
  const spec = {
    kind: 'git-push',
    delivery: 'pubsub' as const,
    finalAttempt: options.finalAttempt ?? false,
    trigger: {
      source: message.provider,
      repository: message.repository,
      branch: message.branch,
      commit,
      ...(message.before ? { before: message.before } : {}),
      ...(message.forced !== undefined ? { forced: message.forced } : {}),
      deliveryId: message.deliveryId,
      messageId,
    },
    principal: `git:${message.pusher}`,
    subject: `config/${message.repository}`,
  };
  const ran = await runOperation(ctx, spec, (scope) => applyPush(ctx, scope, message), {
    onFailure: (error, { log }) => reportStatus(ctx.status, log, commit, 'error', error instanceof Error ? error.message : String(error)),
  });
  return ran.record;
}

/** Fetch, validate, record, apply where the history places it, render; every ending reported as a commit status. */
async function applyPush(ctx: GitPushContext, { op, log }: FlowScope, message: GitPushMessage): Promise<FlowOutcome> {
  const { commit, branch } = message;
  const configPath = ctx.configPath;
  const report = (state: Parameters<typeof reportStatus>[3], description: string) =>
    reportStatus(ctx.status, log, commit, state, description);
  await report('pending', `fleetpilot is validating ${configPath}`);
  const fetched = await op.step(
    GITOPS_STEPS.fetch(configPath, shortSha(commit)),
    () => ctx.source.fetch(commit, configPath),
    (f) => ({ detail: `committed by ${f.author} at ${f.committedAt}` }),
  );
  const revision = {
    commit,
    author: fetched.author,
    committedAt: fetched.committedAt,
    receivedAt: ctx.clock.now().toISOString(),
    path: configPath,
    yaml: fetched.text,
  };
  const validation = validateConfigText(fetched.text, configPath);
  if (!validation.ok) {
    await op.step(
      GITOPS_STEPS.recordRejected,
      () => recordRevision(ctx.store, { ...revision, status: 'rejected', problems: validation.problems }),
      () => ({ detail: validation.problems.join('; ') }),
    );
    op.plan(validation.problems.map((p) => `rejected: ${p}`));
    await report('failure', validation.problems[0] ?? 'invalid configuration');
    return { result: 'refused', reason: `invalid configuration; live routes untouched: ${validation.problems.join('; ')}` };
  }
  const decision = await op.step(
    GITOPS_STEPS.recordRevision,
    () => applyByHistory(ctx.store, revision, (applied) => placeCommit(ctx.source, branch, commit, applied)),
    (d) => ({
      outcome: d.applied && !d.alreadyApplied ? 'done' : 'unchanged',
      detail: d.applied && !d.alreadyApplied ? `${d.reason}; replaces ${d.previous?.commit ?? 'no applied revision'}` : d.reason,
    }),
  );
  if (decision.status === 'unplaced') {
    await report('failure', `not applied: ${decision.reason}`);
    return { result: 'refused', reason: `not applied; live routes untouched: ${decision.reason}` };
  }
  if (!decision.applied) {
    const newer = decision.supersededBy ?? decision.current?.commit ?? 'unknown';
    await report('success', `superseded by ${shortSha(newer)}`);
    return { result: 'skipped', reason: `superseded by ${newer}: ${decision.reason}` };
  }
  const outcome = await renderRoutes(ctx, op, validation.config, commit);
  const summary = routesSummary(commit, outcome, decision.alreadyApplied);
  await report(outcome.problems.length > 0 ? 'failure' : 'success', summary);
  if (outcome.problems.length > 0) return { result: 'refused', reason: summary };
  return { result: decision.alreadyApplied && outcome.changed.length === 0 ? 'skipped' : 'succeeded', reason: summary };
}
