/**
 * Renders what a member cluster needs for multi-cluster routing of one service: a ServiceExport of
 * the fleet-wide Service, and a per-region (and optionally per-cluster) Service with the same
 * selector and ports plus its ServiceExport, so the config cluster gets one ServiceImport each.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { labelsHeld } from '../adapters/kube-managed.ts';
import type { ServiceConfig } from '../config/fleet-config.ts';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_LABEL, clusterServiceName, regionalServiceName } from './names.ts';

/** API version of multi-cluster ServiceExport/ServiceImport on GKE. */
export const MCS_API_VERSION = 'net.gke.io/v1';

/** What {@link renderMemberObjects} needs. */
export interface MemberObjectsInput {
  service: ServiceConfig;
  /** The live application Service (`service.namespace/service.name`) in the member cluster. */
  appService: KubernetesObject;
  /** The member cluster's name. */
  cluster: string;
  /** The member cluster's region. */
  region: string;
  /** Also render the per-cluster Service and ServiceExport that pinned paths use. */
  perClusterServices: boolean;
}

const PORT_FIELDS = ['name', 'protocol', 'port', 'targetPort', 'appProtocol'] as const;

/**
 * The objects to apply in the member cluster, in apply order (the Namespace is not included). Throws
 * an Error naming the Service when `appService` is not the configured Service or has no selector or
 * no ports, since a copy of it would select nothing.
 */
export function renderMemberObjects(input: MemberObjectsInput): KubernetesObject[] {
  const { service, appService, cluster, region, perClusterServices } = input;
  const ref = `${service.namespace}/${service.name}`;
  const meta = appService.metadata;
  if (meta?.name !== service.name || meta.namespace !== service.namespace) {
    throw new Error(`Service ${meta?.namespace ?? '?'}/${meta?.name ?? '?'} is not the configured Service ${ref}`);
  }
  const spec = (appService as { spec?: { selector?: unknown; ports?: unknown } }).spec;
  const selector = spec?.selector;
  if (!isStringRecord(selector) || Object.keys(selector).length === 0) {
    throw new Error(`Service ${ref} in cluster ${cluster} has no spec.selector: fleetpilot cannot derive regional Services from it`);
  }
  const ports = spec?.ports;
  if (!Array.isArray(ports) || ports.length === 0) {
    throw new Error(`Service ${ref} in cluster ${cluster} has no spec.ports: fleetpilot cannot derive regional Services from it`);
  }
  const copiedPorts = ports.map((port: unknown) => copyPort(port));
  if (copiedPorts.some((p) => typeof p.port !== 'number')) {
    throw new Error(`Service ${ref} in cluster ${cluster} has a port without a port number`);
  }
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [SERVICE_LABEL]: service.name };
  const metadata = (name: string) => ({ name, namespace: service.namespace, labels: { ...labels } });
  const exportOf = (name: string): KubernetesObject => ({ apiVersion: MCS_API_VERSION, kind: 'ServiceExport', metadata: metadata(name) });
  const serviceOf = (name: string): KubernetesObject =>
    ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(name),
      spec: { selector: { ...selector }, ports: copiedPorts.map((p) => ({ ...p })) },
    }) as KubernetesObject;

  const names = [regionalServiceName(service.name, region)];
  if (perClusterServices) names.push(clusterServiceName(service.name, cluster));
  return [exportOf(service.name), ...names.flatMap((name) => [serviceOf(name), exportOf(name)])];
}

function copyPort(port: unknown): Record<string, unknown> {
  const source = (typeof port === 'object' && port !== null ? port : {}) as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const field of PORT_FIELDS) {
    if (source[field] !== undefined && source[field] !== null) copy[field] = source[field];
  }
  return copy;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** What the API server fills in on a Service port left unset: TCP, and a target port equal to the port. */
const PORT_DEFAULTS: Record<string, (port: Record<string, unknown>) => unknown> = {
  protocol: () => 'TCP',
  targetPort: (port) => port.port,
};

/**
 * True when applying `desired` (one of {@link renderMemberObjects}'s objects) over `live` would
 * change nothing: its labels are held, and for a Service the selector is the same and the ports are
 * the same, field by field, up to the server's defaults. A field fleetpilot stopped setting counts
 * as a change, since the apply would remove it. False is always safe: the object is then applied.
 */
export function memberObjectUnchanged(live: KubernetesObject, desired: KubernetesObject): boolean {
  if (!labelsHeld(live, desired)) return false;
  // A ServiceExport carries nothing but its name and labels (and list items may carry no kind to compare).
  if (desired.kind !== 'Service') return true;
  const want = (desired as { spec?: { selector?: unknown; ports?: Record<string, unknown>[] } }).spec ?? {};
  const have = (live as { spec?: { selector?: unknown; ports?: unknown } }).spec ?? {};
  if (!isDeepStrictEqual(have.selector, want.selector)) return false;
  const wantPorts = want.ports ?? [];
  const havePorts = Array.isArray(have.ports) ? (have.ports as Record<string, unknown>[]) : [];
  if (havePorts.length !== wantPorts.length) return false;
  return wantPorts.every((port, i) => {
    const held = havePorts[i] ?? {};
    return PORT_FIELDS.every((field) =>
      port[field] !== undefined
        ? isDeepStrictEqual(held[field], port[field])
        : held[field] === undefined || isDeepStrictEqual(held[field], PORT_DEFAULTS[field]?.(port)),
    );
  });
}
