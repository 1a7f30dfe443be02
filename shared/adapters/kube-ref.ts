/**
 * Naming one Kubernetes object, without the client library: modules that only name objects load
 * nothing heavy, so a function instance loads @kubernetes/client-node on its first cluster access.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { TerminalError } from '../core/errors.ts';

/** Identifies one object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The reference of an object; refuses one without apiVersion, kind or name. */
export function refOf(obj: KubernetesObject): ObjectRef {
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) throw new TerminalError('object needs apiVersion, kind and metadata.name');
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}
