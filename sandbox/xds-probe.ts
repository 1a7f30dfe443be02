/**
 * Drives the `xds-probe` binary: a sidecar's xDS subscription to istiod from a given cluster and
 * locality. Keeps the last endpoint assignment istiod sent for each Envoy cluster and lets a
 * caller wait, with a deadline, for one that satisfies a condition.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pollUntil } from '../shared/core/retry.ts';

/** One locality of an endpoint assignment, as istiod computed it for the probe. */
export interface ProbeLocality {
  region: string;
  zone: string;
  /** 0 is preferred; Envoy fails over to 1, then 2, … */
  priority: number;
  /** Locality weight (from `distribute`, or the endpoint count otherwise). */
  weight: number;
  endpoints: { address: string; port: number; health: string }[];
}

/** The endpoints istiod sends for one Envoy cluster, e.g. `outbound|8080||store.store.svc.cluster.local`. */
export interface ProbeAssignment {
  cluster: string;
  localities: ProbeLocality[];
}

/** A running probe. */
export interface XdsProbe {
  /** The last assignment received for `cluster`. */
  latest(cluster: string): ProbeAssignment | undefined;
  /** Waits for an assignment of `cluster` for which `accept` holds, and returns it. */
  waitFor(cluster: string, accept: (a: ProbeAssignment) => boolean, what: string, timeoutMs?: number): Promise<ProbeAssignment>;
  stop(): void;
}

/** Subscribes as a sidecar of `clusterId` in `region`/`zone` to the endpoints of `hosts`. */
export function startXdsProbe(opts: {
  binary: string;
  xdsAddress: string;
  clusterId: string;
  region: string;
  zone: string;
  hosts: readonly string[];
  /** The sidecar's mesh network (multi-network meshes). */
  network?: string;
}): XdsProbe {
  const child = spawn(
    opts.binary,
    [
      `-addr=${opts.xdsAddress}`,
      `-cluster-id=${opts.clusterId}`,
      `-region=${opts.region}`,
      `-zone=${opts.zone}`,
      `-hosts=${opts.hosts.join(',')}`,
      ...(opts.network ? [`-network=${opts.network}`] : []),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const latest = new Map<string, ProbeAssignment>();
  let failure: string | undefined;
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  child.on('exit', (code) => {
    failure ??= `xds-probe exited (${code}): ${stderr.trim()}`;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { type: string; cluster?: string; localities?: ProbeLocality[]; error?: string };
    if (msg.type === 'eds' && msg.cluster) latest.set(msg.cluster, { cluster: msg.cluster, localities: msg.localities ?? [] });
    if (msg.type === 'error') failure = `xds-probe: ${msg.error}`;
  });
  return {
    latest: (cluster) => latest.get(cluster),
    waitFor: async (cluster, accept, what, timeoutMs = 30_000) => {
      try {
        return await pollUntil(
          () => {
            if (failure) throw new Error(failure);
            const a = latest.get(cluster);
            return a && accept(a) ? a : undefined;
          },
          { timeoutMs, intervalMs: 100, what },
        );
      } catch (err) {
        const seen = JSON.stringify(latest.get(cluster)?.localities ?? null);
        throw new Error(`${err instanceof Error ? err.message : String(err)}; last assignment seen: ${seen}`);
      }
    },
    stop: () => {
      failure ??= 'stopped';
      child.stdin.end();
      child.kill('SIGTERM');
    },
  };
}
