/**
 * Reading many of fleetpilot's objects of one kind in one request: a render of 50 services read
 * them one GET at a time before writing. Callers read an object missing from the list alone (one
 * created by hand without the label), so a list never hides an object.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from './kube.ts';
import { httpStatusOf } from '../core/errors.ts';

/**
 * Whether `live` carries every label `desired` sets, with the same values: the labels part of a
 * caller's "applying would change nothing" comparison (labels others added do not count).
 */
export function labelsHeld(live: KubernetesObject, desired: KubernetesObject): boolean {
  const labels = live.metadata?.labels ?? {};
  return Object.entries(desired.metadata?.labels ?? {}).every(([k, v]) => labels[k] === v);
}

/** `namespace/name` of an object. */
export const objectKey = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

/**
 * The objects of `kind` whose labels match `selector` (all of them without one), in `namespace` or
 * in every namespace, by {@link objectKey}. Empty when the role may not list them (a 403: RBAC from
 * before `list` was granted), so each is then read alone; any other failure is the caller's, as a
 * failed GET would be.
 */
export async function listManaged<T extends KubernetesObject>(
  kube: KubeAdapter,
  apiVersion: string,
  kind: string,
  selector: string | undefined,
  namespace?: string,
): Promise<Map<string, T>> {
  try {
    const objects = await kube.list<T>(apiVersion, kind, namespace, selector);
    return new Map(objects.map((o) => [objectKey(o.metadata?.namespace, o.metadata?.name), o]));
  } catch (error) {
    if (httpStatusOf(error) === 403) return new Map();
    throw error;
  }
}
