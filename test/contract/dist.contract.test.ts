/**
 * The built artifact on the sandbox, exactly as deployed: dist/ (rebuilt when stale) serves each
 * function in its own functions-framework CLI process, fed by the push bridge, and the service runs
 * as `npm start` does. They get topics of their own (FLEETPILOT_TOPIC_PREFIX), so every event below
 * reaches the compiled code only, while they share the fleet, Firestore and the configuration
 * repository with the fleetpilot the sandbox serves, as a second set of instances would. One flow
 * per function: a tick, a replayed cluster creation, a drain and restore, and a signed push through
 * the built service.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { createLogger } from '../../shared/core/logger.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { startBuiltServices, type ArtifactProcess } from '../../sandbox/built-artifact.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { sendConfigPush } from '../../sandbox/github-push.ts';
import { commitConfigChange, setRegionWeights } from '../../sandbox/gitops-repo.ts';
import { startFunctions } from '../../sandbox/local-functions.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';
import { auditEntries } from '../support/fleet-fixtures.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b' };
const OSAKA = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b' };

describe('the built artifact (dist/) on the sandbox', () => {
  const prefix = `dist${randomBytes(3).toString('hex')}-`;
  const webhookSecret = randomBytes(24).toString('hex');
  let adapters: GcpAdapters;
  let functions: { stop(): Promise<void> } | undefined;
  let services: ArtifactProcess | undefined;

  beforeAll(async () => {
    adapters = await sandboxAdapters({ FLEETPILOT_TOPIC_PREFIX: prefix });
    await adapters.pubsub.ensureTopology();
    const env = { ...sandboxInfo().env, FLEETPILOT_TOPIC_PREFIX: prefix, FLEETPILOT_IMPORT_WAIT_SECONDS: '30', LOG_LEVEL: 'WARNING' };
    const log = createLogger({
      format: 'text',
      level: 'WARNING',
      fields: { component: 'dist-contract' },
      write: (line) => process.stderr.write(line + '\n'),
    });
    // No scheduler of their own: the test publishes the tick it checks.
    functions = await startFunctions({ env, adapters, projectId: sandboxInfo().projectId, log, tickIntervalMs: 3_600_000, from: 'dist' });
    // The sandbox's environment carries its Slack app's bot token; the service needs the signing secret with it.
    services = await startBuiltServices({
      env: {
        ...env,
        FLEETPILOT_GITHUB_WEBHOOK_SECRET: webhookSecret,
        FLEETPILOT_SLACK_SIGNING_SECRET: sandboxInfo().api.slackSigningSecret,
      },
      echo: true,
    });
  }, 300_000);

  afterAll(async () => {
    await services?.stop();
    await functions?.stop();
    await adapters.close();
  });

  /** The finished operation a message published to this test's topics started. */
  const operationOf = (messageId: string, timeoutMs = 60_000) =>
    pollUntil(
      async () => {
        const all = (await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[];
        return all.find((o) => o.trigger.messageId === messageId && o.finishedAt);
      },
      { timeoutMs, intervalMs: 250, what: `the operation of message ${messageId}` },
    );
  const weights = async () =>
    Object.fromEntries(((await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends ?? []).map((b) => [b.name, b.weight]));
  const waitWeights = (tokyo: number, osaka: number, timeoutMs = 60_000) =>
    pollUntil(
      async () => {
        const w = await weights();
        return w['store-asia-northeast1'] === tokyo && w['store-asia-northeast2'] === osaka ? w : undefined;
      },
      { timeoutMs, what: `weights ${tokyo}/${osaka}` },
    );

  it('the built service answers its health check', async () => {
    const res = await fetch(`${services!.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('tick: the built function runs the reconcile pass for a scheduler message', async () => {
    // The sandbox's own tick runs every few seconds; a tick that finds the route lease held ends at once
    // (the next tick is its retry), so scheduler messages are sent until one runs the whole pass.
    const skipped: string[] = [];
    const op = await pollUntil(
      async () => {
        const ran = await operationOf(await adapters.pubsub.publish('ticks', { source: 'dist-contract' }));
        if (ran.result === 'succeeded') return ran;
        skipped.push(`${ran.result}: ${ran.reason ?? ''}`);
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'a tick of the built function that ran the whole pass' },
    );
    expect(op).toMatchObject({ kind: 'tick', principal: 'scheduler', result: 'succeeded' });
    expect(op.steps.length).toBeGreaterThan(0);
    expect(skipped.filter((s) => !/is being worked on by another instance/.test(s))).toEqual([]);
  });

  it('clusterLifecycle: the built function re-runs onboarding of Tokyo for a replayed creation and changes nothing', async () => {
    const before = await weights();
    const create = auditEntries(TOKYO.cluster, TOKYO.location, 'CreateCluster', new Date());
    await adapters.pubsub.publish('clusterEvents', create.first);
    const messageId = await adapters.pubsub.publish('clusterEvents', create.last);
    const op = await operationOf(messageId, 90_000);
    expect(op).toMatchObject({ kind: 'cluster-lifecycle', principal: 'audit-log', result: 'succeeded' });
    expect(op.subject).toContain(TOKYO.cluster);
    expect(await weights()).toEqual(before);
  });

  it('healthAlerts: the built function drains Osaka on an alert, and the fleet restores it after the close', async () => {
    await waitWeights(50, 50);
    const incidentId = `dist-osaka-${prefix}`;
    const startedAt = new Date();
    const alert = (state: 'open' | 'closed') =>
      monitoringNotification({
        incidentId,
        state,
        startedAt,
        cluster: OSAKA.cluster,
        location: OSAKA.location,
        projectId: sandboxInfo().projectId,
      });
    // A failed test still closes its incident, so the fleet heals for the tests after it.
    onTestFailed(async () => void (await adapters.pubsub.publish('healthAlerts', alert('closed'))));
    const opened = await adapters.pubsub.publish('healthAlerts', alert('open'));
    expect(await operationOf(opened)).toMatchObject({ kind: 'health-alert', result: 'succeeded', region: 'asia-northeast2' });
    expect((await weights())['store-asia-northeast2']).toBe(0);
    const closed = await adapters.pubsub.publish('healthAlerts', alert('closed'));
    expect((await operationOf(closed)).result).toBe('succeeded');
    // Restored once the hold-down passed, by the next tick.
    await waitWeights(50, 50);
  });

  it('gitPush: a signed push to the built service reaches the built function, which applies the new weights', async () => {
    const gitops = sandboxInfo().gitops;
    const push = (commit: string, before: string, url = services!.url, secret = webhookSecret) =>
      sendConfigPush(url, secret, { commit, before }, 'sre');
    const commitWeights = (tokyo: number, osaka: number) =>
      commitConfigChange(
        gitops.repoDir,
        `dist: weights ${tokyo}/${osaka}`,
        setRegionWeights({ 'asia-northeast1': tokyo, 'asia-northeast2': osaka }),
      );
    // Whatever happens, the classic 50/50 configuration ends applied (through the sandbox's own receiver if this one failed).
    onTestFailed(async () => {
      const { commit, before } = await commitWeights(50, 50);
      await push(commit, before, gitops.servicesUrl, gitops.webhookSecret);
      await waitWeights(50, 50);
    });
    const changed = await commitWeights(80, 20);
    expect(await push(changed.commit, changed.before)).toMatchObject({ status: 202, body: { status: 'accepted', commit: changed.commit } });
    await waitWeights(80, 20);
    expect(await adapters.store.get('configRevisions', changed.commit)).toMatchObject({ commit: changed.commit, status: 'applied' });
    const restored = await commitWeights(50, 50);
    expect((await push(restored.commit, restored.before)).status).toBe(202);
    await waitWeights(50, 50);
    // The tick also renders the applied revision, so the weights can move before the push's own run ends:
    // wait for that run to finish (it may wait on the route lease) rather than read it mid-flight.
    const ops = await pollUntil(
      async () => {
        const all = ((await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[]).filter(
          (o) => o.kind === 'git-push' && o.trigger.commit === changed.commit,
        );
        return all.some((o) => o.result === 'succeeded') && all.every((o) => o.finishedAt) ? all : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `the finished git-push operation of ${changed.commit}` },
    );
    // A transient failure is redelivered (a `retrying` record, then the run that ended); nothing else is allowed.
    expect(ops.filter((o) => o.result !== 'retrying')).toEqual([expect.objectContaining({ principal: 'git:sre', result: 'succeeded' })]);
  });
});
