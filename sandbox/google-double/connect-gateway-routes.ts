/**
 * Connect Gateway of the double: `ALL /v1/projects/{number}/locations/{l}/gkeMemberships/{id}/*`
 * forwards the Kubernetes request (method, remaining path, query, content type, accept, body) to the
 * API server of that membership — the registered target of an attached or on-prem cluster, or the
 * endpoint of the GKE cluster a membership links — over https with that cluster's CA, and streams
 * the answer back (status, content type, body). The caller's Google access token has already been
 * checked by the double; the API server gets the sandbox token, which every sandbox API server
 * accepts. A membership without a target answers 404 in Google's error shape.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { clusterKey } from './container-model.ts';
import { GoogleApiError } from './errors.ts';
import { param, requireProject } from './http-helpers.ts';
import { membershipKey, parseGkeResourceLink } from './hub-model.ts';
import type { DoubleState } from './state.ts';

/** Where a membership's Kubernetes requests go. */
export interface GatewayTarget {
  /** `https://HOST:PORT`. */
  server: string;
  caPem: string;
}

const PREFIX = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/gkeMemberships\/[^/]+/;

/** The API server behind a membership, or undefined when Connect Gateway cannot reach one. */
export function gatewayTarget(state: DoubleState, location: string, id: string): GatewayTarget | undefined {
  const membership = state.memberships.get(membershipKey(location, id));
  if (membership === undefined || membership.state === 'CREATING' || membership.state === 'DELETING') return undefined;
  if (membership.attached !== undefined) return { server: membership.attached.server, caPem: membership.attached.caPem };
  const link = membership.resourceLink !== undefined ? parseGkeResourceLink(membership.resourceLink) : undefined;
  const cluster =
    link !== undefined && state.isProject(link.project) ? state.clusters.get(clusterKey(link.location, link.name)) : undefined;
  if (cluster?.status !== 'RUNNING' || cluster.endpoint === undefined || cluster.caCertificateBase64 === undefined) return undefined;
  return { server: `https://${cluster.endpoint}`, caPem: Buffer.from(cluster.caCertificateBase64, 'base64').toString('utf8') };
}

/** The Connect Gateway routes bound to `state`. */
export function connectGatewayRoutes(state: DoubleState): Hono {
  const app = new Hono();
  app.all('/v1/projects/:number/locations/:l/gkeMemberships/:id/*', async (c) => {
    requireProject(state, param(c, 'number'));
    const target = gatewayTarget(state, param(c, 'l'), param(c, 'id'));
    if (target === undefined) {
      throw new GoogleApiError(
        404,
        `Connect Gateway has no connection to membership projects/${param(c, 'number')}/locations/${param(c, 'l')}/memberships/${param(c, 'id')}.`,
      );
    }
    const url = new URL(c.req.url);
    const path = url.pathname.replace(PREFIX, '') || '/';
    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : Buffer.from(await c.req.arrayBuffer());
    const upstream = await forward(state, target, c, `${path}${url.search}`, body);
    const headers = new Headers();
    const contentType = upstream.headers['content-type'];
    if (contentType !== undefined) headers.set('content-type', contentType);
    if (c.req.method === 'HEAD') upstream.resume();
    const stream = c.req.method === 'HEAD' ? null : (Readable.toWeb(upstream) as ReadableStream<Uint8Array>);
    return new Response(stream, { status: upstream.statusCode ?? 502, headers });
  });
  return app;
}

function forward(
  state: DoubleState,
  target: GatewayTarget,
  c: Context,
  pathAndQuery: string,
  body: Buffer | undefined,
): Promise<IncomingMessage> {
  const server = new URL(target.server);
  const headers: Record<string, string> = { authorization: `Bearer ${state.deps.token}` };
  for (const name of ['content-type', 'accept'] as const) {
    const value = c.req.header(name);
    if (value !== undefined) headers[name] = value;
  }
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: server.hostname, port: server.port, path: pathAndQuery, method: c.req.method, headers, ca: target.caPem },
      resolve,
    );
    req.once('error', (error) => reject(new GoogleApiError(503, `Connect Gateway could not reach the cluster: ${error.message}`)));
    req.end(body);
  });
}
