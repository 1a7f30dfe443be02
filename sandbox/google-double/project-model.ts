/**
 * The project-level state gcloud's procedure touches before any cluster exists: which APIs are
 * enabled (Service Usage v1) and the project's IAM policy (Resource Manager v1). Pure data and
 * rules; the routes are in project-routes.ts.
 */
import { createHash } from 'node:crypto';
import { GoogleApiError, invalidArgument } from './errors.ts';
import type { JsonObject } from './types.ts';

/** One IAM binding: a role and its members. */
export interface IamBinding {
  role: string;
  members: string[];
}

/** The project's IAM policy as Resource Manager returns it. */
export interface IamPolicy {
  version: number;
  etag: string;
  bindings: IamBinding[];
}

/** Services the double knows by name (title as Service Usage shows it). */
export const KNOWN_SERVICES: Readonly<Record<string, string>> = {
  'container.googleapis.com': 'Kubernetes Engine API',
  'gkehub.googleapis.com': 'GKE Hub API',
  'multiclusterservicediscovery.googleapis.com': 'Multi cluster service discovery API',
  'multiclusteringress.googleapis.com': 'Multi Cluster Ingress API',
  'trafficdirector.googleapis.com': 'Traffic Director API',
  'connectgateway.googleapis.com': 'Connect Gateway API',
  'pubsub.googleapis.com': 'Cloud Pub/Sub API',
  'firestore.googleapis.com': 'Cloud Firestore API',
  'serviceusage.googleapis.com': 'Service Usage API',
  'cloudresourcemanager.googleapis.com': 'Cloud Resource Manager API',
  'monitoring.googleapis.com': 'Cloud Monitoring API',
};

const MEMBER_RE = /^(user|serviceAccount|group|domain|principal|principalSet):\S+$|^allUsers$|^allAuthenticatedUsers$/;

/** The etag of a policy's content (base64, as Google's are). */
export function policyEtag(bindings: IamBinding[], version: number): string {
  return createHash('sha256').update(JSON.stringify({ bindings, version })).digest('base64').slice(0, 12);
}

/** An empty policy. */
export function emptyPolicy(): IamPolicy {
  return { version: 1, etag: policyEtag([], 1), bindings: [] };
}

/** Validates the `policy` of a setIamPolicy body against the current one; returns the new policy. */
export function nextPolicy(current: IamPolicy, body: JsonObject): IamPolicy {
  const policy = body['policy'];
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) throw invalidArgument('Invalid value for field "policy".');
  const p = policy as JsonObject;
  // The etag is a bytes field: gcloud sends it back base64url-encoded, Google's clients as standard base64.
  const sameBytes = (a: string, b: string) => Buffer.from(a, 'base64').equals(Buffer.from(b, 'base64'));
  if (typeof p['etag'] === 'string' && !sameBytes(p['etag'], current.etag)) {
    throw new GoogleApiError(
      409,
      'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
      'ABORTED',
    );
  }
  const raw = p['bindings'] ?? [];
  if (!Array.isArray(raw)) throw invalidArgument('Invalid value for field "policy.bindings".');
  const merged = new Map<string, Set<string>>();
  for (const [i, b] of raw.entries()) {
    const binding = b as JsonObject;
    const role = binding['role'];
    const members = binding['members'];
    if (typeof role !== 'string' || !/^(roles|projects\/[^/]+\/roles|organizations\/[^/]+\/roles)\/[\w.]+$/.test(role)) {
      throw invalidArgument(`Invalid value for field "policy.bindings[${i}].role": ${JSON.stringify(role)}.`);
    }
    if (!Array.isArray(members) || members.some((m) => typeof m !== 'string' || !MEMBER_RE.test(m))) {
      throw invalidArgument(`Invalid value for field "policy.bindings[${i}].members": each must be TYPE:ID, e.g. serviceAccount:NAME.`);
    }
    const set = merged.get(role) ?? new Set<string>();
    for (const m of members as string[]) set.add(m);
    merged.set(role, set);
  }
  const bindings = [...merged.entries()]
    .filter(([, members]) => members.size > 0)
    .map(([role, members]) => ({ role, members: [...members].sort() }))
    .sort((a, b) => a.role.localeCompare(b.role));
  const version = typeof p['version'] === 'number' ? p['version'] : 1;
  return { version, bindings, etag: policyEtag(bindings, version) };
}

/** True when `member` holds `role` in `policy`. */
export function hasBinding(policy: IamPolicy, role: string, member: string): boolean {
  return policy.bindings.some((b) => b.role === role && b.members.includes(member));
}
