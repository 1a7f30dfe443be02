/**
 * A stand-in for GKE's multi-cluster services importer. When a ServiceExport exists in a fleet
 * member (and the exported Service exists beside it), a matching ServiceImport appears, after a
 * short delay, in every member and in the config cluster where the namespace exists; it goes when
 * the last export of that name goes. Level-based: each pass reads everything and writes the difference.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from '../shared/adapters/kube.ts';
import type { Clock } from '../shared/core/clock.ts';
import type { Logger } from '../shared/core/logger.ts';

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
}

/** Label on every ServiceImport the importer owns. */
export const IMPORTER_LABEL = 'sandbox.fleetpilot.dev/managed-by';
const MCS = 'net.gke.io/v1';

interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  appProtocol?: string;
}
type Service = KubernetesObject & { spec?: { ports?: ServicePort[] } };
type ServiceImport = KubernetesObject & { spec?: unknown; status?: unknown };

/** The importer: `pass()` reconciles once; `start()` loops until `stop()`. */
export function createMcsImporter(deps: McsImporterDeps) {
  const firstSeen = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const pass = async (): Promise<void> => {
    const members = await deps.members();
    const exports = new Map<string, { namespace: string; name: string; clusters: string[]; ports: ServicePort[] }>();
    // Members are read and written concurrently: a pass over a large fleet must stay short.
    await Promise.all(
      members.map(async (member) => {
        for (const exp of await member.kube.list(MCS, 'ServiceExport')) {
          const namespace = exp.metadata?.namespace ?? 'default';
          const name = exp.metadata?.name ?? '';
          const service = await member.kube.get<Service>({ apiVersion: 'v1', kind: 'Service', namespace, name });
          if (!service) continue;
          const key = `${namespace}/${name}`;
          const entry = exports.get(key) ?? { namespace, name, clusters: [], ports: service.spec?.ports ?? [] };
          entry.clusters.push(member.name);
          exports.set(key, entry);
        }
      }),
    );
    const now = deps.clock.now().getTime();
    for (const key of exports.keys()) if (!firstSeen.has(key)) firstSeen.set(key, now);
    for (const key of [...firstSeen.keys()]) if (!exports.has(key)) firstSeen.delete(key);

    await Promise.all(
      members.map(async (member) => {
        const namespaces = new Set((await member.kube.list('v1', 'Namespace')).map((n) => n.metadata?.name));
        // Read the member's imports once and write only what differs: a pass stays cheap in big fleets.
        const existing = new Map(
          (await member.kube.list<ServiceImport>(MCS, 'ServiceImport', undefined, `${IMPORTER_LABEL}=mcs-importer`)).map((i) => [
            `${i.metadata?.namespace}/${i.metadata?.name}`,
            i,
          ]),
        );
        for (const [key, exp] of exports) {
          if ((firstSeen.get(key) ?? now) + deps.delayMs > now || !namespaces.has(exp.namespace)) continue;
          const ref = { apiVersion: MCS, kind: 'ServiceImport', namespace: exp.namespace, name: exp.name };
          const spec = { type: 'ClusterSetIP', ips: [clusterSetIp(key)], ports: exp.ports.map(importPort) };
          const status = { clusters: [...exp.clusters].sort().map((cluster) => ({ cluster })) };
          const live = existing.get(key);
          if (!live || !isDeepStrictEqual(live.spec, spec)) {
            await member.kube.apply({
              apiVersion: MCS,
              kind: 'ServiceImport',
              metadata: { name: exp.name, namespace: exp.namespace, labels: { [IMPORTER_LABEL]: 'mcs-importer' } },
              spec,
            });
            if (!live)
              deps.log.info('mcs importer: ServiceImport created', { cluster: member.name, serviceImport: key, exporters: exp.clusters });
          }
          if (!isDeepStrictEqual(live?.status, status)) await member.kube.patchStatus(ref, 'serviceimports', status);
        }
        for (const [key, imp] of existing) {
          if (exports.has(key)) continue;
          await member.kube.delete({
            apiVersion: MCS,
            kind: 'ServiceImport',
            namespace: imp.metadata?.namespace ?? '',
            name: imp.metadata?.name ?? '',
          });
          deps.log.info('mcs importer: ServiceImport removed', { cluster: member.name, serviceImport: key });
        }
      }),
    );
  };

  const loop = (intervalMs: number): void => {
    timer = setTimeout(() => {
      running = pass()
        .catch((error: unknown) => deps.log.warn('mcs importer pass failed; will retry', { error }))
        .finally(() => {
          if (timer) loop(intervalMs);
        });
    }, intervalMs);
  };

  return {
    pass,
    start(intervalMs = 500): void {
      loop(intervalMs);
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
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
