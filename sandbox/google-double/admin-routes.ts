/**
 * Admin routes of the double (same bearer token as the APIs):
 * - `POST /_double/faults` `{method, pathPattern, status, count, message?}` queues a fault;
 * - `DELETE /_double/faults` clears all faults;
 * - `GET /_double/state` dumps clusters, memberships, features and operations.
 */
import { Hono } from 'hono';
import { parseFaultRule } from './faults.ts';
import { readJsonObject } from './http-helpers.ts';
import type { DoubleState } from './state.ts';

/** Admin routes bound to `state`. */
export function adminRoutes(state: DoubleState): Hono {
  const app = new Hono();
  app.post('/_double/faults', async (c) => {
    const rule = parseFaultRule(await readJsonObject(c));
    state.faults.push(rule);
    state.deps.log.info('google double: fault queued', {
      method: rule.method,
      pathPattern: rule.pathPattern.source,
      status: rule.status,
      count: rule.remaining,
    });
    return c.json({ queued: state.faults.length });
  });
  app.delete('/_double/faults', (c) => {
    const cleared = state.faults.length;
    state.faults.length = 0;
    return c.json({ cleared });
  });
  app.get('/_double/state', (c) => c.json(state.snapshot()));
  return app;
}
