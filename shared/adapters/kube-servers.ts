/**
 * The API server addresses fleetpilot reaches clusters at: a cluster's endpoint, or its Connect
 * Gateway URL. Plain string functions, kept apart from the client library so that callers that only
 * compute an address do not load it.
 */

/** `https://ENDPOINT` for a cluster endpoint that may carry a port. */
export function endpointServer(endpoint: string): string {
  if (!endpoint) throw new Error('cluster has no endpoint yet');
  return `https://${endpoint}`;
}

/**
 * The Connect Gateway URL of a membership. Global memberships use `connectgateway.googleapis.com`;
 * regional ones use `LOCATION-connectgateway.googleapis.com`. `baseUrl` replaces the host for every
 * location (`FLEETPILOT_CONNECT_GATEWAY_ENDPOINT`, a local double in the sandbox).
 */
export function connectGatewayServer(projectNumber: string, location: string, membershipId: string, baseUrl?: string): string {
  const host = location === 'global' ? 'connectgateway.googleapis.com' : `${location}-connectgateway.googleapis.com`;
  return `${baseUrl?.replace(/\/+$/, '') ?? `https://${host}`}/v1/projects/${projectNumber}/locations/${location}/gkeMemberships/${membershipId}`;
}

/** A membership given by its full name (`projects/P/locations/L/memberships/ID`) or by its id (global). */
export function membershipLocationAndId(membership: string): { location: string; id: string } {
  const full = /^projects\/[^/]+\/locations\/([^/]+)\/memberships\/([^/]+)$/.exec(membership);
  return full ? { location: full[1]!, id: full[2]! } : { location: 'global', id: membership };
}
