/**
 * An in-memory GKE Hub with the adapter's semantics: reads answer null for what does not exist,
 * creating what exists rejects with HTTP 409 (the caller judges it), deleting what is gone answers
 * false, operations complete before the call returns (the adapter waits for them). Memberships
 * are READY once created; features are usable (`state.state.code: OK`) unless told otherwise.
 */
import type { GkeHubAdapter } from '../../shared/adapters/gkehub.ts';
import type { Feature, Membership } from '../../shared/adapters/gkehub-types.ts';
import type { Clock } from '../../shared/core/clock.ts';
import { httpError, withFaults, type Faulty } from './faults.ts';

const METHODS = [
  'getMembership',
  'listMemberships',
  'createMembership',
  'patchMembership',
  'deleteMembership',
  'getFeature',
  'createFeature',
  'patchFeature',
] as const;

/** The adapter, and the fleet behind it for fixtures and assertions. */
export interface MemoryHub extends GkeHubAdapter, Faulty<(typeof METHODS)[number]> {
  /** Adds (or replaces) a membership as it exists now; `name` is the full name. */
  putMembership(membership: Membership): void;
  memberships(): Membership[];
  features(): Feature[];
  /** The state code new features get (`OK` by default); `ERROR` keeps them unusable. */
  featureState: NonNullable<NonNullable<Feature['state']>['state']>['code'];
}

/** An empty fleet of `projectId`. */
export function memoryHub(projectId: string, clock: Clock): MemoryHub {
  const memberships = new Map<string, Membership>();
  const features = new Map<string, Feature>();
  const membershipName = (location: string, id: string) => `projects/${projectId}/locations/${location}/memberships/${id}`;
  const featureName = (feature: string) => `projects/${projectId}/locations/global/features/${feature}`;
  const notFound = (name: string) => httpError(404, `Request failed with status code 404: ${name} not found`);
  const copy = <T>(value: T | undefined): T | null => (value === undefined ? null : structuredClone(value));

  const hub = {
    featureState: 'OK' as MemoryHub['featureState'],
    async getMembership(location: string, id: string) {
      return copy(memberships.get(membershipName(location, id)));
    },
    async listMemberships(location: string) {
      return [...memberships.values()]
        .filter((m) => location === '-' || m.name.includes(`/locations/${location}/`))
        .map((m) => structuredClone(m));
    },
    async createMembership(location: string, id: string, body: Omit<Membership, 'name'>) {
      const name = membershipName(location, id);
      if (memberships.has(name)) throw httpError(409, `Request failed with status code 409: ALREADY_EXISTS: ${name}`);
      const at = clock.now().toISOString();
      const membership: Membership = {
        ...structuredClone(body),
        name,
        state: { code: 'READY' },
        createTime: at,
        updateTime: at,
        uniqueId: `uid-${id}`,
      };
      memberships.set(name, membership);
      return structuredClone(membership);
    },
    async patchMembership(name: string, patch: Partial<Membership>, updateMask: string[]) {
      const current = memberships.get(name);
      if (!current) throw notFound(name);
      for (const path of updateMask) setPath(current as unknown as Record<string, unknown>, path, getPath(patch, path));
      current.updateTime = clock.now().toISOString();
      return structuredClone(current);
    },
    async deleteMembership(name: string) {
      return memberships.delete(name);
    },
    async getFeature(feature: string) {
      return copy(features.get(feature));
    },
    async createFeature(feature: string, spec: Feature['spec']) {
      if (features.has(feature)) throw httpError(409, `Request failed with status code 409: ALREADY_EXISTS: ${featureName(feature)}`);
      const created: Feature = {
        name: featureName(feature),
        spec: structuredClone(spec ?? {}),
        resourceState: { state: 'ACTIVE' },
        state: { state: { code: hub.featureState } },
        createTime: clock.now().toISOString(),
      };
      features.set(feature, created);
      return structuredClone(created);
    },
    async patchFeature(feature: string, spec: Feature['spec']) {
      const current = features.get(feature);
      if (!current) throw notFound(featureName(feature));
      current.spec = structuredClone(spec ?? {});
      return structuredClone(current);
    },
    putMembership(membership: Membership) {
      memberships.set(membership.name, structuredClone(membership));
    },
    memberships: () => [...memberships.values()].map((m) => structuredClone(m)),
    features: () => [...features.values()].map((f) => structuredClone(f)),
  };
  return withFaults(hub as unknown as MemoryHub, METHODS);
}

function getPath(object: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), object);
}

function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = object;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = structuredClone(value);
}
