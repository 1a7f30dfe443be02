/**
 * `GET /v1/projects/{p}/locations/{l}/operations/{id}` is the same path on container.googleapis.com
 * and gkehub.googleapis.com. The double serves both from one app: operation ids are unique across
 * both APIs, so the id decides which shape answers (Container `Operation` or `google.longrunning`).
 */
import { Hono } from 'hono';
import { containerOpResponse } from './container-routes.ts';
import { GoogleApiError } from './errors.ts';
import { param, requireProject } from './http-helpers.ts';
import { renderHubOp } from './hub-model.ts';
import type { DoubleState } from './state.ts';

/** The shared operations route bound to `state`. */
export function operationRoutes(state: DoubleState): Hono {
  const app = new Hono();
  app.get('/v1/projects/:p/locations/:l/operations/:op', (c) => {
    const project = param(c, 'p');
    requireProject(state, project);
    const location = param(c, 'l');
    const id = param(c, 'op');
    const containerOp = state.containerOps.get(id);
    if (containerOp !== undefined && (location === '-' || containerOp.location === location)) {
      return c.json(containerOpResponse(c, state, containerOp));
    }
    const hubOp = state.hubOps.get(id);
    if (hubOp !== undefined && hubOp.location === location) return c.json(renderHubOp(hubOp));
    throw new GoogleApiError(404, `Not found: projects/${project}/locations/${location}/operations/${id}.`);
  });
  return app;
}
