/**
 * The pure planner of cross-cluster endpoint discovery: from the mesh clusters and the remote
 * secrets observed in each, what to write and what to delete so that every ordered pair of mesh
 * clusters has a valid remote secret and no secret names a cluster that left. No I/O, no clock:
 * the shell observes, calls {@link planRemoteSecrets} and applies the plan.
 */
import { isTokenReusable, jwtExpiry } from './jwt.ts';
import { remoteSecretName } from './render.ts';

/** Reader tokens in remote secrets are requested for this long; renewed once half of it has passed. */
export const REMOTE_SECRET_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

/** A remote secret found in a cluster's `istio-system`. */
export interface PresentSecret {
  /** `istio-remote-secret-SOURCE`. */
  name: string;
  /** The cluster it grants access to. */
  source: string;
  /** Labelled as fleetpilot's: only these are ever deleted. */
  managed: boolean;
  /** What its kubeconfig says; null fields when absent or malformed. */
  server: string | null;
  caPem: string | null;
  token: string | null;
}

/** How other clusters reach a mesh cluster's API server, and who its reader is. */
export interface MeshReader {
  server: string;
  caPem: string;
  serviceAccountUid: string;
}

/** A mesh cluster (an onboarded GKE cluster) as observed now. */
export interface ObservedMeshCluster {
  name: string;
  /** Absent when the cluster could not be reached: nothing of it is written anywhere this time. */
  reader?: MeshReader;
  /** Its remote secrets; absent when they could not be listed: nothing is written into it this time. */
  secrets?: PresentSecret[];
}

/** Everything the planner looks at. */
export interface MeshSecretObservation {
  clusters: ObservedMeshCluster[];
  /**
   * Clusters that are not wired now but whose secrets stay where they are: records still onboarding
   * or leaving, and onboarded clusters that are not running. Only a positive absence removes.
   */
  retained: string[];
}

/** Why a secret is written: absent, its token past half its life (or not its reader's), or its server, CA or labels not as rendered. */
export type WriteReason = 'missing' | 'expiring' | 'outdated';

/** A remote secret of `source` to write into `target`. */
export interface SecretWrite {
  source: string;
  target: string;
  reason: WriteReason;
}

/** A remote secret to delete from `target`. */
export interface SecretDelete {
  target: string;
  name: string;
  source: string;
}

/** What to change. `tokens` holds secrets: never log a plan, only {@link describeSecretPlan}. */
export interface MeshSecretPlan {
  writes: SecretWrite[];
  deletes: SecretDelete[];
  /** For each source written: a stored token still fresh enough to copy, or null to request a new one. */
  tokens: Record<string, string | null>;
  /** Wanted remote secrets already valid (left alone). */
  valid: number;
}

/** The planner's policy: when, and for how long tokens are requested. */
export interface TokenPolicy {
  now: Date;
  tokenTtlSeconds: number;
}

/** Plans the remote secrets between every pair of reachable mesh clusters and the removal of stale ones. */
export function planRemoteSecrets(observed: MeshSecretObservation, policy: TokenPolicy): MeshSecretPlan {
  const plan: MeshSecretPlan = { writes: [], deletes: [], tokens: {}, valid: 0 };
  const retained = new Set(observed.retained);
  const fresh = (token: string | null, reader: MeshReader): token is string =>
    token !== null &&
    isTokenReusable(token, { now: policy.now, ttlSeconds: policy.tokenTtlSeconds, serviceAccountUid: reader.serviceAccountUid });

  for (const target of observed.clusters) {
    if (!target.secrets) continue;
    const wanted = new Set(observed.clusters.filter((c) => c.name !== target.name).map((c) => remoteSecretName(c.name)));
    for (const secret of target.secrets) {
      if (secret.managed && !wanted.has(secret.name) && !retained.has(secret.source))
        plan.deletes.push({ target: target.name, name: secret.name, source: secret.source });
    }
    for (const source of observed.clusters) {
      if (source.name === target.name || !source.reader) continue;
      const present = target.secrets.find((s) => s.name === remoteSecretName(source.name));
      const reason = writeReason(present, source.reader, (t) => fresh(t, source.reader!));
      if (reason) plan.writes.push({ source: source.name, target: target.name, reason });
      else plan.valid++;
    }
  }

  for (const source of new Set(plan.writes.map((w) => w.source))) {
    const reader = observed.clusters.find((c) => c.name === source)!.reader!;
    const stored = observed.clusters
      .flatMap((c) => c.secrets ?? [])
      .filter((s) => s.name === remoteSecretName(source))
      .map((s) => s.token)
      .filter((t) => fresh(t, reader))
      .sort((a, b) => (jwtExpiry(b)?.getTime() ?? 0) - (jwtExpiry(a)?.getTime() ?? 0));
    plan.tokens[source] = stored[0] ?? null;
  }
  return plan;
}

function writeReason(present: PresentSecret | undefined, reader: MeshReader, fresh: (token: string | null) => boolean): WriteReason | null {
  if (!present) return 'missing';
  if (!fresh(present.token)) return 'expiring';
  if (present.server !== reader.server || present.caPem !== reader.caPem || !present.managed) return 'outdated';
  return null;
}

/** True when the plan changes nothing. */
export function isEmptySecretPlan(plan: MeshSecretPlan): boolean {
  return plan.writes.length === 0 && plan.deletes.length === 0;
}

/** The plan as lines people read (`create istio-remote-secret-a in b (missing)`); never the tokens. */
export function describeSecretPlan(plan: MeshSecretPlan): string[] {
  const verb: Record<WriteReason, string> = { missing: 'create', expiring: 'renew', outdated: 'update' };
  return [
    ...plan.writes.map((w) => `${verb[w.reason]} ${remoteSecretName(w.source)} in ${w.target}`),
    ...plan.deletes.map((d) => `remove ${d.name} from ${d.target} (${d.source} is no longer an onboarded mesh cluster)`),
  ];
}
