/**
 * Concurrency in the sandbox: a second fleetpilot instance handling the same cluster at the same
 * moment as the deployed function, and a burst of clusters created together. Each step is done
 * once and the end state is complete; route renders coalesce rather than wait for redelivery.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import type { FunctionContext } from '../../functions/compose.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { ONBOARD_LABELS, auditEntries, createCluster, deleteCluster, operationsFor, uniqueName } from '../support/fleet-fixtures.ts';
import { sandboxAdapters, sandboxInfo, secondInstance } from '../support/sandbox-clients.ts';
import { ONBOARDING_STEPS } from '../../shared/onboarding/index.ts';

describe('onboarding under concurrency (sandbox)', () => {
  let adapters: GcpAdapters;
  let second: FunctionContext;
  beforeAll(async () => {
    adapters = await sandboxAdapters();
    second = await secondInstance();
  });
  afterAll(async () => {
    await second.adapters.close();
    await adapters.close();
  });

  it('registers the membership once when two instances onboard the same cluster at once', async () => {
    const name = uniqueName('dup');
    const location = 'asia-northeast2-c';
    await createCluster(adapters, name, location, ONBOARD_LABELS);
    onTestFailed(() => deleteCluster(adapters, name, location));
    // The deployed function handles the real entry now; this instance handles a second nudge at the same time.
    const nudge = auditEntries(name, location, 'CreateCluster', new Date());
    const direct = await handleClusterAuditEntry({ ...second.fleet, instanceId: 'second' }, nudge.last, 'direct-call');
    expect(direct.result).toBe('succeeded');
    const ops = await pollUntil(
      async () => {
        const all = (await operationsFor(adapters, name)).filter((o) => o.trigger.phase === 'last' && o.finishedAt);
        return all.some((o) => o.result === 'succeeded' && o.id !== direct.id) ? all : undefined;
      },
      { timeoutMs: 60_000, what: 'both instances finished' },
    );
    const registrations = ops.flatMap((o) => o.steps.filter((s) => s.name === ONBOARDING_STEPS.registerMembership));
    expect(registrations.filter((s) => s.detail?.endsWith(': created'))).toHaveLength(1);
    expect(registrations.filter((s) => s.detail?.endsWith(': existing'))).toHaveLength(registrations.length - 1);
    expect((await adapters.hub.getMembership('global', name))?.state?.code).toBe('READY');
    await deleteCluster(adapters, name, location);
  });

  it('onboards a burst of clusters created together, each into the route', async () => {
    const burst = [
      { name: uniqueName('b1'), location: 'europe-west1-b' },
      { name: uniqueName('b2'), location: 'europe-west4-a' },
      { name: uniqueName('b3'), location: 'us-central1-a' },
    ];
    await Promise.all(burst.map((c) => createCluster(adapters, c.name, c.location, ONBOARD_LABELS)));
    onTestFailed(async () => void (await Promise.all(burst.map((c) => deleteCluster(adapters, c.name, c.location)))));
    const wanted = ['store-europe-west1', 'store-europe-west4', 'store-us-central1'];
    await pollUntil(
      async () => {
        const names = (await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends.map((b) => b.name) ?? [];
        return wanted.every((w) => names.includes(w)) ? true : undefined;
      },
      { timeoutMs: 120_000, what: 'every burst region in the default rule' },
    );
    for (const c of burst) {
      // Another cluster's run may have written the route first; each cluster's own run still completes.
      const done = await pollUntil(
        async () => (await operationsFor(adapters, c.name)).find((o) => o.trigger.phase === 'last' && o.result === 'succeeded'),
        { timeoutMs: 120_000, what: `onboarding of ${c.name} to finish` },
      );
      expect(done.steps.find((s) => s.name === ONBOARDING_STEPS.registerMembership)?.outcome).toBe('done');
      expect((await adapters.hub.getMembership('global', c.name))?.authority?.issuer).toContain(`/clusters/${c.name}`);
      // A run that found the route lease taken handed its render to the holder instead of waiting for a redelivery.
      const routeRetries = (await operationsFor(adapters, c.name)).filter(
        (o) => o.result === 'retrying' && /^routes:.*being worked on by another instance/.test(o.reason ?? ''),
      );
      expect(routeRetries.map((o) => o.reason)).toEqual([]);
    }
    await Promise.all(burst.map((c) => deleteCluster(adapters, c.name, c.location)));
    await pollUntil(
      async () => {
        const names = (await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends.map((b) => b.name) ?? [];
        return wanted.every((w) => !names.includes(w)) ? true : undefined;
      },
      { timeoutMs: 120_000, what: 'burst regions gone from the default rule' },
    );
  });
});
