/**
 * The sandbox's MCS importer stand-in (sandbox/mcs-importer.ts) over in-memory clusters: imports
 * appear after the delay and go with the last export, a pass writes only what differs, a hung or
 * failing cluster is left for the next pass while the others are served, requests stay within
 * the concurrency bound, and passes never overlap.
 */
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from '../../shared/adapters/kube.ts';
import { createMcsImporter, IMPORTER_LABEL, type ImporterCluster } from '../../sandbox/mcs-importer.ts';
import { connectionRefused } from '../support/faults.ts';
import { memoryKube, type MemoryKube } from '../support/memory-kube.ts';
import { keptLogger, testClock } from '../support/test-clock.ts';

const MCS = 'net.gke.io/v1';
const DELAY = 1_000;

function fleet(names: string[], namespaces = ['store']) {
  const clock = testClock();
  const kept = keptLogger(clock);
  const clusters = new Map<string, MemoryKube>();
  for (const name of names) {
    const kube = memoryKube(name, clock);
    for (const ns of namespaces) kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    clusters.set(name, kube);
  }
  const writes: string[] = [];
  for (const [name, kube] of clusters) kube.onWrite((o, verb) => writes.push(`${name} ${verb} ${o.metadata?.name}`));
  const exportIn = (cluster: string, name: string, port = 8080) => {
    const kube = clusters.get(cluster)!;
    kube.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'store' },
      spec: { ports: [{ port }] },
    } as KubernetesObject);
    kube.put({ apiVersion: MCS, kind: 'ServiceExport', metadata: { name, namespace: 'store' } });
  };
  const unexport = (cluster: string, name: string) =>
    clusters.get(cluster)!.remove({ apiVersion: MCS, kind: 'ServiceExport', namespace: 'store', name });
  const imported = (cluster: string, name: string) =>
    clusters
      .get(cluster)!
      .get<KubernetesObject & { spec: { ports: unknown[]; ips: string[] }; status?: { clusters: { cluster: string }[] } }>({
        apiVersion: MCS,
        kind: 'ServiceImport',
        namespace: 'store',
        name,
      });
  return { clock, kept, clusters, writes, exportIn, unexport, imported };
}

type Fleet = ReturnType<typeof fleet>;

const members = (f: Fleet, wrap: (name: string, kube: KubeAdapter) => KubeAdapter = (_n, k) => k) => {
  return async (): Promise<ImporterCluster[]> => [...f.clusters].map(([name, kube]) => ({ name, kube: wrap(name, kube) }));
};

/** `kube` whose every call takes `ms` and is counted in flight, per cluster and in all. */
function counted(stats: { inFlight: number; max: number; perCluster: Map<string, number>; maxPerCluster: number }, ms: number) {
  return (name: string, kube: KubeAdapter): KubeAdapter =>
    new Proxy(kube, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          stats.inFlight++;
          stats.perCluster.set(name, (stats.perCluster.get(name) ?? 0) + 1);
          stats.max = Math.max(stats.max, stats.inFlight);
          stats.maxPerCluster = Math.max(stats.maxPerCluster, stats.perCluster.get(name)!);
          try {
            await new Promise((resolve) => setTimeout(resolve, ms));
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            stats.inFlight--;
            stats.perCluster.set(name, stats.perCluster.get(name)! - 1);
          }
        };
      },
    });
}

describe('MCS importer (sandbox)', () => {
  it('imports an export into every member with the namespace after the delay, writes nothing when in step, and removes it with the last export', async () => {
    const f = fleet(['a', 'b', 'config']);
    f.clusters.get('config')!.remove({ apiVersion: 'v1', kind: 'Namespace', name: 'store' });
    const importer = createMcsImporter({ members: members(f), clock: f.clock, log: f.kept.log, delayMs: DELAY });
    f.exportIn('b', 'store');
    f.exportIn('a', 'store');

    await importer.pass();
    expect(await f.imported('a', 'store')).toBeNull(); // the delay has not passed
    f.clock.advance(DELAY);
    await importer.pass();
    for (const cluster of ['a', 'b']) {
      const imp = await f.imported(cluster, 'store');
      expect(imp?.spec.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
      expect(imp?.spec.ips).toHaveLength(1);
      expect(imp?.status?.clusters).toEqual([{ cluster: 'a' }, { cluster: 'b' }]);
      expect(imp?.metadata?.labels?.[IMPORTER_LABEL]).toBe('mcs-importer');
    }
    expect(await f.imported('config', 'store')).toBeNull(); // no namespace there
    expect((await f.imported('a', 'store'))?.spec.ips).toEqual((await f.imported('b', 'store'))?.spec.ips);

    f.writes.length = 0;
    await importer.pass();
    expect(f.writes).toEqual([]);

    f.unexport('a', 'store');
    await importer.pass();
    expect((await f.imported('b', 'store'))?.status?.clusters).toEqual([{ cluster: 'b' }]);
    f.unexport('b', 'store');
    await importer.pass();
    expect(await f.imported('a', 'store')).toBeNull();
    expect(await f.imported('b', 'store')).toBeNull();
  });

  it('leaves a hung cluster for the next pass after the request timeout and serves the others', async () => {
    const f = fleet(['a', 'b', 'c']);
    f.exportIn('a', 'store');
    const importer = createMcsImporter({ members: members(f), clock: f.clock, log: f.kept.log, delayMs: 0, requestTimeoutMs: 50 });
    f.clusters.get('b')!.before('apply', () => new Promise(() => undefined)); // never answers

    const started = Date.now();
    await importer.pass();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await f.imported('a', 'store')).not.toBeNull();
    expect(await f.imported('c', 'store')).not.toBeNull();
    expect(await f.imported('b', 'store')).toBeNull();
    const warnings = f.kept.lines.filter((l) => l.includes('cluster failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"cluster":"b"');
    expect(warnings[0]).toContain('timed out after 50 ms');

    await importer.pass();
    expect(await f.imported('b', 'store')).not.toBeNull();
    expect(f.kept.lines.some((l) => l.includes('cluster reachable again') && l.includes('"cluster":"b"'))).toBe(true);
  });

  it('keeps the imports of a member it cannot read as they are', async () => {
    const f = fleet(['a', 'b']);
    f.exportIn('a', 'store');
    const importer = createMcsImporter({ members: members(f), clock: f.clock, log: f.kept.log, delayMs: 0 });
    await importer.pass();
    expect((await f.imported('b', 'store'))?.status?.clusters).toEqual([{ cluster: 'a' }]);

    f.writes.length = 0;
    f.clusters.get('a')!.fail('list', connectionRefused('a'));
    await importer.pass();
    await importer.pass();
    expect(f.writes).toEqual([]);
    expect((await f.imported('b', 'store'))?.status?.clusters).toEqual([{ cluster: 'a' }]);
    expect(f.kept.lines.filter((l) => l.includes('cluster failed'))).toHaveLength(1); // once per outage

    // Unknown exports (never read) hold removals back too.
    const g = fleet(['a', 'b']);
    g.exportIn('a', 'store');
    const other = createMcsImporter({ members: members(g), clock: g.clock, log: g.kept.log, delayMs: 0 });
    g.clusters.get('b')!.put({
      apiVersion: MCS,
      kind: 'ServiceImport',
      metadata: { name: 'cart', namespace: 'store', labels: { [IMPORTER_LABEL]: 'mcs-importer' } },
    });
    g.clusters.get('a')!.fail('list', connectionRefused('a'), 1);
    await other.pass();
    expect(await g.imported('b', 'cart')).not.toBeNull();
    await other.pass();
    expect(await g.imported('b', 'cart')).toBeNull();
    expect(await g.imported('b', 'store')).not.toBeNull();
  });

  it('keeps requests within the concurrency bound in a large fleet, and passes never overlap', async () => {
    const names = Array.from({ length: 17 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const f = fleet(names);
    for (let i = 0; i < 12; i++) f.exportIn(names[i % names.length]!, `svc-${i}`);
    const stats = { inFlight: 0, max: 0, perCluster: new Map<string, number>(), maxPerCluster: 0 };
    const importer = createMcsImporter({
      members: members(f, counted(stats, 2)),
      clock: f.clock,
      log: f.kept.log,
      delayMs: 0,
      concurrency: 8,
    });
    await Promise.all([importer.pass(), importer.pass()]);
    expect(stats.max).toBeLessThanOrEqual(8);
    expect(stats.maxPerCluster).toBeLessThanOrEqual(4);
    for (const name of names) expect(await f.imported(name, 'svc-11')).not.toBeNull();
    // Two passes asked for at once ran one after the other: the second found nothing to write.
    expect(f.writes.filter((w) => w.endsWith(' apply svc-0'))).toHaveLength(17);
    expect(f.writes).toHaveLength(17 * 12 * 2); // one apply and one status patch per import
  });

  it('stops without waiting for a hung request beyond its timeout', async () => {
    const f = fleet(['a']);
    f.exportIn('a', 'store');
    f.clusters.get('a')!.before('list', () => new Promise(() => undefined));
    const importer = createMcsImporter({ members: members(f), clock: f.clock, log: f.kept.log, delayMs: 0, requestTimeoutMs: 100 });
    importer.start(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await importer.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
