/**
 * Service Usage v1 (enable / get / list services) and Resource Manager v1 (get a project, get and
 * set its IAM policy): what `gcloud services enable` and `gcloud projects add-iam-policy-binding`
 * call, and what `gcloud container clusters create` asks before it creates anything. Service Usage
 * operations finish at once, as they mostly do for already-provisioned APIs.
 */
import { Hono, type Context } from 'hono';
import { GoogleApiError, invalidArgument, notFound } from './errors.ts';
import { param, readJsonObject, requireProject } from './http-helpers.ts';
import { KNOWN_SERVICES, nextPolicy } from './project-model.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

const SERVICE_RE = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*\.googleapis\.com$/;

/** Project, Service Usage and IAM routes bound to `state`. */
export function projectRoutes(state: DoubleState): Hono {
  const app = new Hono();
  const number = state.deps.projectNumber;
  const known = (svc: string): string => {
    if (!SERVICE_RE.test(svc)) throw invalidArgument(`Invalid service name "${svc}".`);
    if (KNOWN_SERVICES[svc] === undefined) throw new GoogleApiError(403, `Not found or permission denied for service(s): ${svc}.`);
    return svc;
  };
  const renderService = (svc: string): JsonObject => ({
    name: `projects/${number}/services/${svc}`,
    config: { name: svc, title: KNOWN_SERVICES[svc] ?? svc },
    state: state.enabledServices.has(svc) ? 'ENABLED' : 'DISABLED',
    parent: `projects/${number}`,
  });
  const operation = (kind: 'BatchEnableServicesResponse' | 'EnableServiceResponse' | 'DisableServiceResponse', body: JsonObject) => {
    const name = `operations/acf.p2-${number}-${state.deps.newId()}`;
    const op = { name, done: true, response: { '@type': `type.googleapis.com/google.api.serviceusage.v1.${kind}`, ...body } };
    state.serviceOps.set(name, op);
    return op;
  };
  const enable = (svcs: string[]): void => {
    for (const s of svcs) state.enabledServices.add(s);
    state.deps.log.info('google double: services enabled', { services: svcs });
  };

  app.get('/v1/projects/:p/services', (c) => {
    requireProject(state, param(c, 'p'));
    const onlyEnabled = /state\s*[:=]\s*"?ENABLED"?/.test(c.req.query('filter') ?? '');
    const services = Object.keys(KNOWN_SERVICES)
      .sort()
      .filter((s) => !onlyEnabled || state.enabledServices.has(s))
      .map(renderService);
    return c.json({ services });
  });
  app.get('/v1/projects/:p/services/:s', (c) => {
    requireProject(state, param(c, 'p'));
    return c.json(renderService(known(param(c, 's'))));
  });
  app.post('/v1/projects/:p/services/:sv', async (c) => {
    requireProject(state, param(c, 'p'));
    const [svc = '', verb] = param(c, 'sv').split(':');
    const s = known(svc);
    if (verb === 'enable') {
      enable([s]);
      return c.json(operation('EnableServiceResponse', { service: renderService(s) }));
    }
    if (verb === 'disable') {
      state.enabledServices.delete(s);
      return c.json(operation('DisableServiceResponse', { service: renderService(s) }));
    }
    throw notFound(`projects/${number}/services/${param(c, 'sv')}`);
  });
  app.post('/v1/projects/:p/:verb{services:batchEnable}', async (c) => {
    requireProject(state, param(c, 'p'));
    const ids = (await readJsonObject(c))['serviceIds'];
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20) throw invalidArgument('serviceIds must list 1 to 20 services.');
    const svcs = ids.map((id) => known(String(id)));
    enable(svcs);
    return c.json(operation('BatchEnableServicesResponse', { services: svcs.map(renderService) }));
  });
  app.get('/v1/operations/:op{.+}', (c) => {
    const op = state.serviceOps.get(`operations/${param(c, 'op')}`);
    if (op === undefined) throw notFound(`operations/${param(c, 'op')}`);
    return c.json(op);
  });

  const project = (): JsonObject => ({
    projectNumber: number,
    projectId: state.deps.projectId,
    lifecycleState: 'ACTIVE',
    name: state.deps.projectId,
    createTime: '2024-01-01T00:00:00.000Z',
  });
  app.get('/v1/projects/:p', (c) => {
    requireProject(state, param(c, 'p'));
    return c.json(project());
  });
  app.post('/v1/projects/:pv', async (c: Context) => {
    const [p = '', verb] = param(c, 'pv').split(':');
    requireProject(state, p);
    const body = await readJsonObject(c);
    if (verb === 'getIamPolicy') return c.json(state.iamPolicy);
    if (verb === 'setIamPolicy') {
      state.iamPolicy = nextPolicy(state.iamPolicy, body);
      state.deps.log.info('google double: IAM policy set', { bindings: state.iamPolicy.bindings.length });
      return c.json(state.iamPolicy);
    }
    throw notFound(`projects/${param(c, 'pv')}`);
  });
  return app;
}
