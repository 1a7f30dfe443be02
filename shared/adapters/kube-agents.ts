/**
 * One keep-alive agent per API server (and CA), shared by every adapter of this process: a render
 * that reads and writes a cluster many times pays for one TLS handshake instead of one per request.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** Agents kept at most; the oldest is dropped (its idle sockets close on their timeout) beyond it. */
const MAX_AGENTS = 64;
/** Idle sockets close after this long: a cluster not used for a while holds no connection. */
const SOCKET_TIMEOUT_MS = 60_000;
/** Idle connections kept per cluster. */
const MAX_FREE_SOCKETS = 16;

const agents = new Map<string, HttpAgent | HttpsAgent>();

/**
 * The shared agent for `server` with `caPem`. A plain-http server (a local Connect Gateway double)
 * gets an http agent, as client-node would give it with `skipTLSVerify`.
 */
export function keepAliveAgentFor(server: string, caPem?: string): HttpAgent | HttpsAgent {
  const key = `${server}\n${caPem ?? ''}`;
  const found = agents.get(key);
  if (found) {
    // Most recently used last, so the oldest is the one dropped.
    agents.delete(key);
    agents.set(key, found);
    return found;
  }
  // No maxSockets: a request queued for a busy socket trips node-fetch 2's check for a truncated
  // chunked body ("Premature close", node-fetch#1767). Callers bound their own concurrency.
  const options = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, timeout: SOCKET_TIMEOUT_MS };
  const agent = server.startsWith('http://') ? new HttpAgent(options) : new HttpsAgent({ ...options, ...(caPem ? { ca: caPem } : {}) });
  agents.set(key, agent);
  if (agents.size > MAX_AGENTS) agents.delete(agents.keys().next().value!);
  return agent;
}
