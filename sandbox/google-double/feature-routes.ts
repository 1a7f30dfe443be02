/**
 * GKE Hub v1 feature routes (features are global): get/list/create/patch/delete under
 * `/v1/projects/{id|number}/locations/global/features`. Mutations return long-running operations.
 */
import { Hono, type Context } from 'hono';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors.ts';
import { param, readJsonObject, requireProject, stringMap, updateMaskOf } from './http-helpers.ts';
import { renderFeature, renderHubOp } from './hub-model.ts';
import { matchesFilter, paginate } from './listing.ts';
import type { FeatureRecord } from './records.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

const FEATURE_TYPE = 'type.googleapis.com/google.cloud.gkehub.v1.Feature';
const FEATURE_ID_RE = /^[a-z][a-z0-9]{0,62}$/;

function specOf(value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgument('Invalid value for field "spec".');
  return structuredClone(value as JsonObject);
}

/** Feature routes bound to `state`. */
export function featureRoutes(state: DoubleState): Hono {
  const app = new Hono();
  const base = '/v1/projects/:p/locations/:l/features';
  const featureName = (id: string): string => `projects/${state.deps.projectId}/locations/global/features/${id}`;
  const scope = (c: Context): void => {
    requireProject(state, param(c, 'p'));
    if (param(c, 'l') !== 'global') throw invalidArgument(`Features are global: use locations/global, not locations/${param(c, 'l')}.`);
  };
  const find = (c: Context): FeatureRecord => {
    scope(c);
    const rec = state.features.get(param(c, 'f'));
    if (rec === undefined) throw notFound(featureName(param(c, 'f')));
    return rec;
  };
  const finish = (rec: FeatureRecord) => (): JsonObject => {
    if (rec.resourceState === 'ENABLING' || rec.resourceState === 'UPDATING') rec.resourceState = 'ACTIVE';
    rec.updateTime = state.deps.clock();
    return { '@type': FEATURE_TYPE, ...renderFeature(rec, state) };
  };

  app.get(base, (c) => {
    scope(c);
    const all = [...state.features.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((f) => renderFeature(f, state))
      .filter((f) => matchesFilter(f, c.req.query('filter')));
    const page = paginate(all, c.req.query('pageSize'), c.req.query('pageToken'), state.deps.hubDefaultPageSize);
    return c.json({ resources: page.items, ...(page.nextPageToken !== '' ? { nextPageToken: page.nextPageToken } : {}) });
  });

  app.get(`${base}/:f`, (c) => c.json(renderFeature(find(c), state)));

  app.post(base, async (c) => {
    scope(c);
    const id = c.req.query('featureId') ?? c.req.query('feature_id') ?? '';
    if (!FEATURE_ID_RE.test(id)) throw invalidArgument(`Invalid feature ID "${id}".`);
    if (state.features.has(id)) throw alreadyExists(featureName(id));
    const body = await readJsonObject(c);
    const now = state.deps.clock();
    const rec: FeatureRecord = {
      id,
      resourceState: 'ENABLING',
      spec: specOf(body['spec']),
      labels: stringMap(body['labels'], 'labels'),
      createTime: now,
      updateTime: now,
    };
    state.features.set(id, rec);
    return c.json(renderHubOp(state.startHubOp('global', 'create', featureName(id), finish(rec))));
  });

  app.patch(`${base}/:f`, async (c) => {
    const rec = find(c);
    if (rec.resourceState !== 'ACTIVE') throw failedPrecondition(`Feature is ${rec.resourceState}; try again later.`);
    const paths = updateMaskOf(c);
    const body = await readJsonObject(c);
    const spec = specOf(body['spec']);
    for (const path of paths) {
      if (path === 'spec') rec.spec = spec;
      else if (path.startsWith('spec.')) {
        const key = path.slice('spec.'.length);
        if (spec[key] === undefined) delete rec.spec[key];
        else rec.spec[key] = spec[key];
      } else if (path === 'labels') rec.labels = stringMap(body['labels'], 'labels');
      else throw invalidArgument(`Unsupported or immutable field in update_mask: "${path}".`);
    }
    rec.resourceState = 'UPDATING';
    rec.updateTime = state.deps.clock();
    return c.json(renderHubOp(state.startHubOp('global', 'update', featureName(rec.id), finish(rec))));
  });

  app.delete(`${base}/:f`, (c) => {
    const rec = find(c);
    if (rec.resourceState === 'DISABLING') throw failedPrecondition('Feature is already being disabled.');
    rec.resourceState = 'DISABLING';
    rec.updateTime = state.deps.clock();
    const op = state.startHubOp('global', 'delete', featureName(rec.id), () => {
      state.features.delete(rec.id);
      return { '@type': 'type.googleapis.com/google.protobuf.Empty' };
    });
    return c.json(renderHubOp(op));
  });
  return app;
}
