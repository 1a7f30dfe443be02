/**
 * The sandbox's own control routes, for what no Google API does: starting and stopping clusters
 * outside GKE, which a user would bring along. Contract tests run in other processes than the
 * sandbox, so they ask over HTTP. Every request needs `Authorization: Bearer <sandbox token>`.
 *
 * - `POST /attached-clusters {id, platform: attached|onprem, zone?}` starts one (see attached-cluster.ts);
 * - `DELETE /attached-clusters/{id}` unregisters and stops one this app started (never a GKE cluster);
 * - `POST /faults/apiservers/{name}/stop` and `.../start`: fault injection, a cluster's API server goes
 *   away (its data stays) and comes back on the same endpoint;
 * - `POST /faults/firestore/stop` and `.../start`: the Firestore emulator goes away (clients are cut
 *   off, its data is saved) and comes back on the same address with that data.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { startAttachedCluster, stopAttachedCluster, type AttachedClusterDeps, type AttachedClusterSpec } from './attached-cluster.ts';
import type { FirestoreEmulator } from './emulators.ts';

/** What the control routes act on: the clusters, and the Firestore emulator for its outage. */
export type SandboxControlDeps = AttachedClusterDeps & { firestore?: Pick<FirestoreEmulator, 'stop' | 'start'> };

const ID = /^[a-z0-9](?:[-a-z0-9]{0,38}[a-z0-9])?$/;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Validates a start request; returns the problem when it is not one. */
export function parseAttachedSpec(body: unknown): AttachedClusterSpec | string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.id !== 'string' || !ID.test(b.id)) return 'id must be a DNS label of at most 40 characters';
  if (b.platform !== 'attached' && b.platform !== 'onprem') return 'platform must be attached or onprem';
  if (b.zone !== undefined && typeof b.zone !== 'string') return 'zone must be a string';
  return { id: b.id, platform: b.platform, ...(typeof b.zone === 'string' ? { zone: b.zone } : {}) };
}

/** The control app over `deps`. */
export function sandboxControlApp(deps: SandboxControlDeps): Hono {
  const started = new Set<string>();
  const expected = digest(deps.token);
  const app = new Hono();
  app.use('*', async (c, next) => {
    const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) return c.json({ error: 'unauthenticated' }, 401);
    await next();
  });
  app.post('/attached-clusters', async (c) => {
    const spec = parseAttachedSpec(await c.req.json().catch(() => undefined));
    if (typeof spec === 'string') return c.json({ error: spec }, 400);
    if (started.has(spec.id) || deps.fleet.get(spec.id)) return c.json({ error: `cluster ${spec.id} already runs` }, 409);
    started.add(spec.id);
    try {
      return c.json(await startAttachedCluster(deps, spec));
    } catch (error) {
      started.delete(spec.id);
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 500);
    }
  });
  app.delete('/attached-clusters/:id', async (c) => {
    const id = c.req.param('id');
    if (!started.has(id)) return c.json({ removed: false });
    await stopAttachedCluster(deps, id);
    started.delete(id);
    return c.json({ removed: true });
  });
  app.post('/faults/apiservers/:name/:action{stop|start}', async (c) => {
    const name = c.req.param('name');
    if (!deps.fleet.get(name)) return c.json({ error: `cluster ${name} does not run` }, 404);
    if (c.req.param('action') === 'stop') await deps.fleet.stopServer(name);
    else await deps.fleet.startServer(name);
    return c.json({ cluster: name, action: c.req.param('action') });
  });
  app.post('/faults/firestore/:action{stop|start}', async (c) => {
    if (!deps.firestore) return c.json({ error: 'this sandbox has no restartable Firestore emulator' }, 404);
    const started = performance.now();
    if (c.req.param('action') === 'stop') await deps.firestore.stop();
    else await deps.firestore.start();
    return c.json({ firestore: c.req.param('action'), tookMs: Math.round(performance.now() - started) });
  });
  return app;
}
