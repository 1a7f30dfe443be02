/**
 * Container adapter (the real @google-cloud/container client, REST fallback) against the Google
 * API double: a created cluster is a working kube-apiserver, is visible in the fleet when it asked
 * to register, and publishes two audit-log entries that read back from the Pub/Sub emulator parse.
 */
import { randomBytes } from 'node:crypto';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable } from '../../shared/core/errors.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { parseSinkMessage, type ClusterAuditEvent } from '../../shared/onboarding/audit-log.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { gkeResourceLink } from '../../shared/adapters/gkehub-types.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { injectFault } from '../support/double-admin.ts';

describe('Container adapter (Google API double)', () => {
  let adapters: GcpAdapters;
  let raw: PubSub;
  const events: ClusterAuditEvent[] = [];
  const name = `ct-${randomBytes(3).toString('hex')}`;
  const location = 'asia-northeast2-b';

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    raw = new PubSub({ projectId: sandboxInfo().projectId, apiEndpoint: sandboxInfo().pubsubHost, emulatorMode: true });
    const [sub] = await raw.topic(adapters.topology.topics.clusterEvents).createSubscription(`audit-reader-${name}`);
    sub.on('message', (m: Message) => {
      const parsed = parseSinkMessage(m.data);
      if (parsed.ok && parsed.event.clusterName === name) events.push(parsed.event);
      m.ack();
    });
  });
  afterAll(async () => {
    await raw.close();
    await adapters.close();
  });

  it('creates a cluster whose endpoint and CA reach a real API server, registered in the fleet', async () => {
    const op = await adapters.container.createCluster(location, {
      name,
      resourceLabels: { team: 'payments' },
      fleet: { project: `projects/${sandboxInfo().projectNumber}` },
    });
    await adapters.container.waitForOperation(location, op.split('/').pop()!);
    const cluster = await adapters.container.getCluster(location, name);
    expect(cluster).toMatchObject({ name, location, status: 'RUNNING', resourceLabels: { team: 'payments' } });
    expect(cluster!.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cluster!.caCertificatePem).toContain('BEGIN CERTIFICATE');

    const kube = await kubeFor(adapters, location, name);
    const namespaces = (await kube.list('v1', 'Namespace')).map((n) => n.metadata?.name);
    expect(namespaces).toContain('kube-system');
    expect(
      await kube.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'serviceexports.net.gke.io' }),
    ).not.toBeNull();

    expect(cluster!.fleetMembership).toBeTruthy();
    const membership = await adapters.hub.getMembership('global', cluster!.fleetMembership!.split('/').pop()!);
    expect(membership?.endpoint?.gkeCluster?.resourceLink).toBe(gkeResourceLink(sandboxInfo().projectId, location, name));
    expect((await adapters.container.listClusters()).map((c) => c.name)).toContain(name);
  });

  it('published first and last audit entries for the creation, sharing one operation id', async () => {
    const creation = await pollUntil(
      () => {
        const c = events.filter((e) => e.action === 'create');
        return c.length >= 2 ? c : undefined;
      },
      { timeoutMs: 20_000, what: 'two create audit entries' },
    );
    expect(creation.map((e) => e.phase).sort()).toEqual(['first', 'last']);
    expect(new Set(creation.map((e) => e.operationId)).size).toBe(1);
    expect(creation.every((e) => e.ok && e.location === location && e.projectId === sandboxInfo().projectId)).toBe(true);
    expect(['v1', 'v1beta1']).toContain(creation[0]!.apiVersion);
  });

  it('deletes the cluster: its API server stops, a read confirms absence, and audit entries follow', async () => {
    const op = await adapters.container.deleteCluster(location, name);
    expect(op).not.toBeNull();
    await adapters.container.waitForOperation(location, op!.split('/').pop()!);
    expect(await adapters.container.getCluster(location, name)).toBeNull();
    expect(await adapters.container.deleteCluster(location, name)).toBeNull();
    const deletion = await pollUntil(
      () => {
        const d = events.filter((e) => e.action === 'delete');
        return d.length >= 2 ? d : undefined;
      },
      { timeoutMs: 20_000, what: 'two delete audit entries' },
    );
    expect(deletion.map((e) => e.phase).sort()).toEqual(['first', 'last']);
  });

  it('fails static: a server error on read is an error, never "absent"', async () => {
    // A cluster nobody else reads, so the sandbox's own background reads cannot consume the faults.
    const probe = `probe-${name}`;
    // Three failures: as many as the adapter's own retries of a read.
    await injectFault({ method: 'GET', pathPattern: `clusters/${probe}$`, status: 503, count: 3 });
    const failure = await adapters.container.getCluster('asia-northeast1-b', probe).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeDefined();
    expect(isRetryable(failure)).toBe(true);
    // Once the API answers, a missing cluster is a confirmed absence.
    expect(await adapters.container.getCluster('asia-northeast1-b', probe)).toBeNull();
  });
});
