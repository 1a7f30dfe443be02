/**
 * Container v1 REST routes (the HTTP bindings of google.container.v1.ClusterManager that google-gax's
 * REST fallback uses): clusters get/list/create/delete and zonal operation get, each in the
 * `locations/` form and the legacy `zones/` form. `GET .../locations/L/operations/ID` lives in
 * operation-routes.ts because Hub shares that path.
 */
import { Hono, type Context } from 'hono';
import { acceptCreate, acceptDelete } from './container-lifecycle.ts';
import { clusterEnumsAsInts, clusterKey, operationEnumsAsInts, renderCluster, renderContainerOp } from './container-model.ts';
import { GoogleApiError } from './errors.ts';
import { callerOf, param, readJsonObject, requireProject, wantsIntEnums } from './http-helpers.ts';
import type { ContainerOpRecord } from './records.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

/** Renders a Container operation honouring the caller's enum encoding. */
export function containerOpResponse(c: Context, state: DoubleState, op: ContainerOpRecord): JsonObject {
  const body = renderContainerOp(op, state.deps);
  return wantsIntEnums(c) ? operationEnumsAsInts(body) : body;
}

/** Container v1 routes bound to `state`. */
export function containerRoutes(state: DoubleState): Hono {
  const app = new Hono();
  const clusterJson = (c: Context, body: JsonObject): JsonObject => (wantsIntEnums(c) ? clusterEnumsAsInts(body) : body);

  const list = (c: Context, location: string): Response => {
    requireProject(state, param(c, 'p'));
    const clusters = [...state.clusters.values()]
      .filter((r) => location === '-' || r.location === location)
      .sort((a, b) => clusterKey(a.location, a.name).localeCompare(clusterKey(b.location, b.name)))
      .map((r) => clusterJson(c, renderCluster(r, state.deps)));
    return c.json({ clusters, missingZones: [] });
  };
  app.get('/v1/projects/:p/locations/:l/clusters', (c) => list(c, param(c, 'l')));
  app.get('/v1/projects/:p/zones/:l/clusters', (c) => list(c, param(c, 'l')));

  const get = (c: Context): Response => {
    requireProject(state, param(c, 'p'));
    const location = param(c, 'l');
    const name = param(c, 'c');
    const rec = state.clusters.get(clusterKey(location, name));
    if (rec === undefined) {
      throw new GoogleApiError(404, `Not found: projects/${param(c, 'p')}/locations/${location}/clusters/${name}.`);
    }
    return c.json(clusterJson(c, renderCluster(rec, state.deps)));
  };
  app.get('/v1/projects/:p/locations/:l/clusters/:c', get);
  app.get('/v1/projects/:p/zones/:l/clusters/:c', get);

  const create = async (c: Context, viaZonesPath: boolean): Promise<Response> => {
    requireProject(state, param(c, 'p'));
    const body = await readJsonObject(c);
    const op = acceptCreate(state, param(c, 'l'), body['cluster'], { viaZonesPath, request: body, ...callerOf(c) });
    return c.json(containerOpResponse(c, state, op));
  };
  app.post('/v1/projects/:p/locations/:l/clusters', (c) => create(c, false));
  app.post('/v1/projects/:p/zones/:l/clusters', (c) => create(c, true));

  const remove = (c: Context, viaZonesPath: boolean): Response => {
    const project = param(c, 'p');
    requireProject(state, project);
    const location = param(c, 'l');
    const name = param(c, 'c');
    const request: JsonObject = viaZonesPath
      ? { projectId: project, zone: location, clusterId: name }
      : { name: `projects/${project}/locations/${location}/clusters/${name}` };
    const op = acceptDelete(state, location, name, { viaZonesPath, request, ...callerOf(c) });
    return c.json(containerOpResponse(c, state, op));
  };
  app.delete('/v1/projects/:p/locations/:l/clusters/:c', (c) => remove(c, false));
  app.delete('/v1/projects/:p/zones/:l/clusters/:c', (c) => remove(c, true));

  app.get('/v1/projects/:p/zones/:l/operations/:op', (c) => {
    requireProject(state, param(c, 'p'));
    const op = state.containerOps.get(param(c, 'op'));
    const location = param(c, 'l');
    if (op === undefined || (location !== '-' && op.location !== location)) {
      throw new GoogleApiError(404, `Not found: projects/${param(c, 'p')}/zones/${location}/operations/${param(c, 'op')}.`);
    }
    return c.json(containerOpResponse(c, state, op));
  });
  return app;
}
