/**
 * The status a Gateway controller writes once the load balancer serves a Gateway, in the shape the
 * Gateway API CRD validates: addresses, Accepted and Programmed conditions, and per-listener
 * conditions with the number of attached routes. Pure: the data plane compares the desired status
 * with the live one and writes only when they differ.
 */
import { isDeepStrictEqual } from 'node:util';

/** A status condition (metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** The Gateway status fields the data plane owns. */
export interface GatewayStatus {
  addresses: { type: 'IPAddress'; value: string }[];
  conditions: Condition[];
  listeners: { name: string; supportedKinds: { group: string; kind: string }[]; attachedRoutes: number; conditions: Condition[] }[];
}

/** What the status is computed from. */
export interface GatewayStatusInput {
  generation: number;
  listeners: string[];
  attachedRoutes: Record<string, number>;
  address: string;
  /** The live status, whose transition times are kept for conditions that did not change. */
  live?: Partial<GatewayStatus>;
  now: Date;
}

const CONTROLLER = 'the fleetpilot sandbox data plane';

/** The status to write for the Gateway. */
export function desiredGatewayStatus(input: GatewayStatusInput): GatewayStatus {
  const stamp = input.now.toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (live: Condition[] | undefined, type: string, reason: string, message: string): Condition => {
    const previous = live?.find((c) => c.type === type);
    const lastTransitionTime = previous?.status === 'True' && previous.lastTransitionTime ? previous.lastTransitionTime : stamp;
    return { type, status: 'True', reason, message, lastTransitionTime, observedGeneration: input.generation };
  };
  return {
    addresses: [{ type: 'IPAddress', value: input.address }],
    conditions: [
      condition(input.live?.conditions, 'Accepted', 'Accepted', `Accepted by ${CONTROLLER}`),
      condition(input.live?.conditions, 'Programmed', 'Programmed', `Programmed in ${CONTROLLER} at ${input.address}`),
    ],
    listeners: input.listeners.map((name) => {
      const live = input.live?.listeners?.find((l) => l.name === name)?.conditions;
      return {
        name,
        supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        attachedRoutes: input.attachedRoutes[name] ?? 0,
        conditions: [
          condition(live, 'Accepted', 'Accepted', 'Listener accepted'),
          condition(live, 'Programmed', 'Programmed', 'Listener programmed'),
          condition(live, 'ResolvedRefs', 'ResolvedRefs', 'References resolved'),
        ],
      };
    }),
  };
}

/** Whether the live status already says what `desired` says (server defaults and order aside). */
export function statusCurrent(live: Partial<GatewayStatus> | undefined, desired: GatewayStatus): boolean {
  if (!live) return false;
  const conditions = (cs: Condition[] | undefined) => [...(cs ?? [])].map((c) => ({ ...c })).sort((a, b) => a.type.localeCompare(b.type));
  const shape = (s: Partial<GatewayStatus>) => ({
    addresses: (s.addresses ?? []).map((a) => ({ type: a.type ?? 'IPAddress', value: a.value })),
    conditions: conditions(s.conditions),
    listeners: [...(s.listeners ?? [])]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((l) => ({
        name: l.name,
        attachedRoutes: l.attachedRoutes,
        conditions: conditions(l.conditions),
        supportedKinds: (l.supportedKinds ?? []).map((k) => ({ group: k.group ?? 'gateway.networking.k8s.io', kind: k.kind })),
      })),
  });
  return isDeepStrictEqual(shape(live), shape(desired));
}
