/**
 * Renders the multi-cluster Gateway on the config cluster: one plain-HTTP listener that accepts
 * routes from every namespace. fleetpilot creates it when absent and never modifies a live one.
 */
import { GATEWAY_API_VERSION } from './http-route.ts';
import type { Gateway } from './http-route.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from './names.ts';

/** What {@link renderGateway} needs: the Gateway's name, namespace and (`*-mc`) GatewayClass. */
export interface GatewayOptions {
  name: string;
  namespace: string;
  className: string;
}

/** The Gateway `namespace/name` of class `className`, listening for HTTP on port 80. */
export function renderGateway({ name, namespace, className }: GatewayOptions): Gateway {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    spec: {
      gatewayClassName: className,
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }],
    },
  };
}
