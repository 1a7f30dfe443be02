/**
 * A stand-in for GKE's multi-cluster services importer. When a ServiceExport exists in a fleet
 * member (and the exported Service exists beside it), a matching ServiceImport appears, after a
 * short delay, in every member and in the config cluster where the namespace exists; it goes when
 * the last export of that name goes. Level-based: each pass reads everything and writes the difference.
 *
 * A pass stays short and cannot hang in a large fleet: each cluster is read with four lists (exports,
 * Services, namespaces, the importer's imports) rather than one request per export; only imports
 * that differ from what was read are written, at most `concurrency` requests at once across the
 * fleet (a few per cluster); every request has a timeout. A cluster that fails or times out is
 * left for the next pass (its last exports known still count, so its imports elsewhere stay as they
 * are) while the pass carries on with the others. Passes never overlap.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from '../shared/adapters/kube.ts';
import type { Clock } from '../shared/core/clock.ts';
import type { Logger } from '../shared/core/logger.ts';
import { semaphore } from './semaphore.ts';

/** One cluster the importer reads from and writes to. */
export interface ImporterCluster {
  name: string;
  kube: KubeAdapter;
}

/** Dependencies of {@link createMcsImporter}. */
export interface McsImporterDeps {
  /** Fleet members, read anew on every pass (membership changes as clusters join and leave). */
  members: () => Promise<ImporterCluster[]>;
  clock: Clock;
  log: Logger;
  /** How long an export exists before imports appear (GKE takes minutes; the sandbox a moment). */
  delayMs: number;
  /** Longest one request may take before its cluster is left for the next pass (10 s by default). */
  requestTimeoutMs?: number;
  /** Requests in flight at once across the fleet (8 by default); a cluster gets at most half of them. */
  concurrency?: number;
  /**
   * Why the importer may not run now, or undefined when it may: GKE's importer imports nothing until
   * its service account holds `roles/compute.networkViewer`. A blocked pass changes nothing.
   */
  blockedBy?: () => string | undefined;
}

/** Label on every ServiceImport the importer owns. */
export const IMPORTER_LABEL = 'sandbox.fleetpilot.dev/managed-by';
const MCS = 'net.gke.io/v1';
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 8;
/** The longest wait between passes while nothing changes. */
const IDLE_MAX_MS = 2_000;

interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  appProtocol?: string;
}
type Service = KubernetesObject & { spec?: { ports?: ServicePort[] } };
type ServiceImport = KubernetesObject & { spec?: unknown; status?: unknown };

/** An export seen in one member: the ServiceExport and the Service beside it. */
interface SeenExport {
  key: string;
  namespace: string;
  name: string;
  ports: ServicePort[];
}

/** What one pass read from a member. */
interface MemberState {
  exports: SeenExport[];
  namespaces: Set<string>;
  /** The importer's imports, by `namespace/name`. */
  imports: Map<string, ServiceImport>;
}

interface Export {
  namespace: string;
  name: string;
  clusters: string[];
  ports: ServicePort[];
}

/** The importer: `pass()` reconciles once; `start()` loops until `stop()`. */
export function createMcsImporter(deps: McsImporterDeps) {
  const timeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const concurrency = Math.max(1, deps.concurrency ?? DEFAULT_CONCURRENCY);
  const perCluster = Math.max(1, Math.ceil(concurrency / 2));
  const firstSeen = new Map<string, number>();
  /** Each member's exports as last read, standing in for a member that cannot be read. */
  const lastExports = new Map<string, SeenExport[]>();
  /** Members whose last pass failed, with the error logged, so an outage logs once and its end once. */
  const failing = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let tail: Promise<void> = Promise.resolve();

  const slots = semaphore(concurrency);
  /** One request: waits for a slot, then for the answer at most `timeoutMs`. */
  const request = <T>(cluster: string, what: string, call: () => Promise<T>): Promise<T> =>
    slots(() => {
      if (stopping) throw new Error('mcs importer stopping');
      return withTimeout(call(), timeoutMs, `${what} in ${cluster}`);
    });

  const readMember = async ({ name: cluster, kube }: ImporterCluster): Promise<MemberState> => {
    const [exported, services, namespaces, imports] = await Promise.all([
      request(cluster, 'list ServiceExports', () => kube.list(MCS, 'ServiceExport')),
      request(cluster, 'list Services', () => kube.list<Service>('v1', 'Service')),
      request(cluster, 'list Namespaces', () => kube.list('v1', 'Namespace')),
      request(cluster, 'list ServiceImports', () =>
        kube.list<ServiceImport>(MCS, 'ServiceImport', undefined, `${IMPORTER_LABEL}=mcs-importer`),
      ),
    ]);
    const serviceByKey = new Map(services.map((s) => [keyOf(s), s]));
    const exports: SeenExport[] = [];
    for (const exp of exported) {
      const key = keyOf(exp);
      const service = serviceByKey.get(key);
      if (!service) continue;
      exports.push({
        key,
        namespace: exp.metadata?.namespace ?? 'default',
        name: exp.metadata?.name ?? '',
        ports: service.spec?.ports ?? [],
      });
    }
    return {
      exports,
      namespaces: new Set(namespaces.flatMap((n) => (n.metadata?.name ? [n.metadata.name] : []))),
      imports: new Map(imports.map((i) => [keyOf(i), i])),
    };
  };

  const failed = (cluster: string, error: unknown): void => {
    // Requests cut short by stop() are not a cluster failing.
    if (stopping) return;
    // Logged when the cluster starts failing, and again only if it fails differently.
    const message = error instanceof Error ? error.message.replace(/^.* (timed out after \d+ ms)$/, '$1') : String(error);
    if (failing.get(cluster) !== message) deps.log.warn('mcs importer: cluster failed; will retry on the next pass', { cluster, error });
    failing.set(cluster, message);
  };
  const succeeded = (cluster: string): void => {
    if (failing.delete(cluster)) deps.log.info('mcs importer: cluster reachable again', { cluster });
  };

  /** The writes that bring `member`'s imports to `exports`, one function per import. */
  const writesFor = (member: ImporterCluster, state: MemberState, exports: Map<string, Export>, now: number, complete: boolean) => {
    const writes: (() => Promise<void>)[] = [];
    const call = <T>(what: string, fn: () => Promise<T>) => request(member.name, what, fn);
    for (const [key, exp] of exports) {
      if ((firstSeen.get(key) ?? now) + deps.delayMs > now || !state.namespaces.has(exp.namespace)) continue;
      const ref = { apiVersion: MCS, kind: 'ServiceImport', namespace: exp.namespace, name: exp.name };
      const spec = { type: 'ClusterSetIP', ips: [clusterSetIp(key)], ports: exp.ports.map(importPort) };
      const status = { clusters: [...exp.clusters].sort().map((cluster) => ({ cluster })) };
      const live = state.imports.get(key);
      const specChanged = !live || !isDeepStrictEqual(live.spec, spec);
      const statusChanged = !isDeepStrictEqual(live?.status, status);
      if (!specChanged && !statusChanged) continue;
      writes.push(async () => {
        if (specChanged) {
          const desired: ServiceImport = {
            apiVersion: MCS,
            kind: 'ServiceImport',
            metadata: { name: exp.name, namespace: exp.namespace, labels: { [IMPORTER_LABEL]: 'mcs-importer' } },
            spec,
          };
          // Compared above with what this pass read: the adapter neither reads it again nor dry-runs.
          await call(`apply ServiceImport ${key}`, () => member.kube.apply(desired, { live: live ?? null, same: () => false }));
          if (!live)
            deps.log.info('mcs importer: ServiceImport created', { cluster: member.name, serviceImport: key, exporters: exp.clusters });
        }
        if (statusChanged) await call(`patch ServiceImport ${key} status`, () => member.kube.patchStatus(ref, 'serviceimports', status));
      });
    }
    // An import goes only when every member's exports are known: one unread member must not drop its imports.
    if (complete) {
      for (const [key, imp] of state.imports) {
        if (exports.has(key)) continue;
        writes.push(async () => {
          const ref = { apiVersion: MCS, kind: 'ServiceImport', namespace: imp.metadata?.namespace ?? '', name: imp.metadata?.name ?? '' };
          await call(`delete ServiceImport ${key}`, () => member.kube.delete(ref));
          deps.log.info('mcs importer: ServiceImport removed', { cluster: member.name, serviceImport: key });
        });
      }
    }
    return writes;
  };

  /** Runs `writes` for one member, a few at a time; the first failure leaves the rest for the next pass. */
  const writeMember = async (member: ImporterCluster, writes: (() => Promise<void>)[]): Promise<number> => {
    let next = 0;
    let done = 0;
    let error: unknown;
    const worker = async () => {
      while (error === undefined && !stopping && next < writes.length) {
        const write = writes[next++]!;
        try {
          await write();
          done++;
        } catch (e) {
          error ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(perCluster, writes.length) }, worker));
    if (error !== undefined) failed(member.name, error);
    else succeeded(member.name);
    return done;
  };

  let blocked: string | undefined;
  const runPass = async (): Promise<number> => {
    const reason = deps.blockedBy?.();
    if (reason !== blocked) {
      if (reason !== undefined) deps.log.warn('mcs importer: importing nothing', { reason });
      else deps.log.info('mcs importer: importing again');
      blocked = reason;
    }
    if (reason !== undefined) return 0;
    const started = performance.now();
    const members = await withTimeout(deps.members(), timeoutMs, 'listing fleet members');
    const names = new Set(members.map((m) => m.name));
    for (const name of [...lastExports.keys()]) if (!names.has(name)) lastExports.delete(name);
    for (const name of [...failing.keys()]) if (!names.has(name)) failing.delete(name);

    const states = new Map<string, MemberState>();
    await Promise.all(
      members.map(async (member) => {
        try {
          const state = await readMember(member);
          states.set(member.name, state);
          lastExports.set(member.name, state.exports);
        } catch (error) {
          failed(member.name, error);
        }
      }),
    );
    if (stopping) return 0;

    // Members in name order, so that the ports of an export several members disagree on do not flap.
    const exports = new Map<string, Export>();
    let complete = true;
    for (const member of [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const seen = states.get(member.name)?.exports ?? lastExports.get(member.name);
      if (!seen) {
        complete = false;
        continue;
      }
      for (const exp of seen) {
        const entry = exports.get(exp.key) ?? { namespace: exp.namespace, name: exp.name, clusters: [], ports: exp.ports };
        entry.clusters.push(member.name);
        exports.set(exp.key, entry);
      }
    }
    const now = deps.clock.now().getTime();
    for (const key of exports.keys()) if (!firstSeen.has(key)) firstSeen.set(key, now);
    if (complete) for (const key of [...firstSeen.keys()]) if (!exports.has(key)) firstSeen.delete(key);

    const written = await Promise.all(
      members.map(async (member) => {
        const state = states.get(member.name);
        if (!state) return 0;
        return writeMember(member, writesFor(member, state, exports, now, complete));
      }),
    );
    const writes = written.reduce((a, b) => a + b, 0);
    if (writes > 0 || failing.size > 0)
      deps.log.debug('mcs importer: pass', {
        clusters: members.length,
        writes,
        failing: [...failing.keys()],
        elapsedMs: Math.round(performance.now() - started),
      });
    return writes + failing.size;
  };

  /** One pass; a pass asked for while another runs starts when that one ends. Resolves to the writes and failures it saw. */
  const pass = (): Promise<number> => {
    const run = tail.then(runPass);
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  // Quiet passes back off (each list of a large fleet's imports is hundreds of objects, read from
  // every member): a pass that wrote nothing doubles the wait, up to IDLE_MAX_MS; any write resets it.
  const loop = (intervalMs: number, waitMs: number): void => {
    timer = setTimeout(() => {
      void pass()
        .then(
          (busy) => (busy > 0 ? intervalMs : Math.min(waitMs * 2, Math.max(intervalMs, IDLE_MAX_MS))),
          (error: unknown) => {
            deps.log.warn('mcs importer pass failed; will retry', { error });
            return intervalMs;
          },
        )
        .then((next) => {
          if (timer && !stopping) loop(intervalMs, next);
        });
    }, waitMs);
  };

  return {
    pass,
    start(intervalMs = 500): void {
      stopping = false;
      loop(intervalMs, intervalMs);
    },
    /** Stops the loop; a pass under way starts no new request and ends when its requests answer or time out. */
    async stop(): Promise<void> {
      stopping = true;
      clearTimeout(timer);
      timer = undefined;
      await tail;
    },
  };
}

function keyOf(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
}

/** Runs at most `limit` of the functions given to it at once, the others in the order they came. */

/** `promise`, or a rejection once `ms` pass (the request itself is left to the agent's socket timeout). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function importPort(port: ServicePort): ServicePort {
  return {
    port: port.port,
    protocol: port.protocol ?? 'TCP',
    ...(port.name ? { name: port.name } : {}),
    ...(port.appProtocol ? { appProtocol: port.appProtocol } : {}),
  };
}

/** A stable virtual IP per imported service, as GKE allocates one per ServiceImport. */
function clusterSetIp(key: string): string {
  const h = createHash('sha256').update(key).digest();
  return `10.${200 + (h[0]! % 50)}.${h[1]!}.${1 + (h[2]! % 254)}`;
}
