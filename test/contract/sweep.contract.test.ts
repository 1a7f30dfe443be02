/**
 * The tick's sweep against the sandbox (Firestore emulator, the GKE Hub double, the sandbox's tick
 * every 2 s): what a lost delete audit entry leaves — an onboarded record and a membership for a
 * cluster that no longer exists — and a failed creation's record are removed, with their expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { gkeResourceLink } from '../../shared/adapters/gkehub-types.ts';
import { TTL_FIELD } from '../../shared/adapters/firestore.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { GONE_AFTER_MS } from '../../shared/onboarding/sweep.ts';
import { clusterRecordId, readClusterRecord, writeClusterRecord, CLUSTERS } from '../../shared/state/cluster-records.ts';
import { uniqueName, operationsFor } from '../support/fleet-fixtures.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

describe('the tick’s sweep of clusters that are gone (sandbox)', () => {
  let adapters: GcpAdapters;
  beforeAll(async () => {
    adapters = await sandboxAdapters();
  });
  afterAll(async () => {
    await adapters.close();
  });

  it('offboards a cluster whose delete entry was lost, and gives a failed creation’s record its expiry', async () => {
    const projectId = sandboxInfo().projectId;
    // A region no service routes to: the records exist for a few seconds and must not move traffic.
    const gone = { projectId, location: 'europe-west9-a', name: uniqueName('gone') };
    const never = { projectId, location: 'europe-west9-b', name: uniqueName('never') };
    const longAgo = new Date(Date.now() - GONE_AFTER_MS - 60_000).toISOString();
    const membership = await adapters.hub.createMembership('global', gone.name, {
      endpoint: { gkeCluster: { resourceLink: gkeResourceLink(projectId, gone.location, gone.name) } },
    });
    await writeClusterRecord(adapters.store, {
      ...gone,
      region: 'europe-west9',
      phase: 'onboarded',
      membership: membership.name,
      updatedAt: longAgo,
    });
    await writeClusterRecord(adapters.store, {
      ...never,
      region: 'europe-west9',
      phase: 'failed',
      reason: 'creation failed: quota exceeded',
      updatedAt: longAgo,
    });

    for (const ref of [gone, never]) {
      const removed = await pollUntil(
        async () => ((await readClusterRecord(adapters.store, ref))?.phase === 'removed' ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 250,
          what: `the tick to sweep ${ref.name}`,
        },
      );
      expect(removed).toBe(true);
      // Firestore's TTL policy deletes it later (retention: removed clusters).
      expect((await adapters.store.get(CLUSTERS, clusterRecordId(ref)))?.[TTL_FIELD]).toBeDefined();
      // The record is written inside the sweep's operation, which finishes right after it.
      const sweep = await pollUntil(
        async () => (await operationsFor(adapters, ref.name)).find((o) => o.kind === 'cluster-sweep' && o.result !== undefined),
        { timeoutMs: 15_000, intervalMs: 250, what: `the sweep operation of ${ref.name} to finish` },
      );
      expect(sweep).toMatchObject({ result: 'succeeded', principal: 'scheduler' });
    }
    expect(await adapters.hub.getMembership('global', gone.name)).toBeNull();
  });
});
