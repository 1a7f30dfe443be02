/**
 * GKE Hub v1 membership routes: create/get/list/patch/delete under
 * `/v1/projects/{id|number}/locations/{l}/memberships`. Mutations return long-running operations.
 */
import { Hono, type Context } from 'hono';
import { GoogleApiError, alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors.ts';
import { param, readJsonObject, requireProject, stringMap, updateMaskOf } from './http-helpers.ts';
import { MEMBERSHIP_ID_RE, membershipKey, membershipName, parseGkeResourceLink, renderHubOp, renderMembership } from './hub-model.ts';
import { matchesFilter, paginate } from './listing.ts';
import type { MembershipRecord } from './records.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

const MEMBERSHIP_TYPE = 'type.googleapis.com/google.cloud.gkehub.v1.Membership';

/**
 * The membership's cluster link, in its canonical `//container.googleapis.com/...` form. gcloud
 * builds the link from the Container endpoint it was pointed at, so a link naming this double's own
 * host (the request's `Host`) names the same cluster, as one naming Google's does.
 */
function resourceLinkOf(body: JsonObject, ownHost: string | undefined): string | undefined {
  const endpoint = body['endpoint'] as { gkeCluster?: { resourceLink?: unknown } } | undefined;
  const link = endpoint?.gkeCluster?.resourceLink;
  if (link === undefined) return undefined;
  const canonical =
    typeof link === 'string' && ownHost !== undefined && link.startsWith(`//${ownHost}/`)
      ? `//container.googleapis.com/${link.slice(ownHost.length + 3)}`
      : link;
  if (typeof canonical !== 'string' || parseGkeResourceLink(canonical) === undefined) {
    throw invalidArgument(`Invalid value for field "endpoint.gkeCluster.resourceLink": ${JSON.stringify(link)}.`);
  }
  return canonical;
}

/** The workload identity issuer; one gcloud built from this double's own URL is read as Google's. */
function issuerOf(body: JsonObject, ownHost: string | undefined): string | undefined {
  const issuer = (body['authority'] as { issuer?: unknown } | undefined)?.issuer;
  if (issuer === undefined || issuer === '') return undefined;
  if (typeof issuer !== 'string') throw invalidArgument('authority.issuer must be an https:// URL.');
  const own = ownHost === undefined ? undefined : [`http://${ownHost}/`, `https://${ownHost}/`].find((p) => issuer.startsWith(p));
  if (own !== undefined) return `https://container.googleapis.com/${issuer.slice(own.length)}`;
  if (!issuer.startsWith('https://')) throw invalidArgument('authority.issuer must be an https:// URL.');
  return issuer;
}

/** True when two resource links name the same cluster (zones/ and locations/ forms alike). */
function sameCluster(a: string | undefined, b: string): boolean {
  const norm = (link: string) => link.replace('/zones/', '/locations/').toLowerCase();
  return a !== undefined && norm(a) === norm(b);
}

/** Membership routes bound to `state`. */
export function membershipRoutes(state: DoubleState): Hono {
  const app = new Hono();
  const base = '/v1/projects/:p/locations/:l/memberships';
  const render = (m: MembershipRecord): JsonObject => renderMembership(m, state);
  const find = (c: Context): MembershipRecord => {
    requireProject(state, param(c, 'p'));
    const rec = state.memberships.get(membershipKey(param(c, 'l'), param(c, 'm')));
    if (rec === undefined) throw notFound(membershipName(state.deps.projectId, param(c, 'l'), param(c, 'm')));
    return rec;
  };
  const asResponse = (m: MembershipRecord): JsonObject => ({ '@type': MEMBERSHIP_TYPE, ...render(m) });

  const list = (c: Context) => {
    requireProject(state, param(c, 'p'));
    const location = param(c, 'l');
    const all = [...state.memberships.values()]
      .filter((m) => location === '-' || m.location === location)
      .sort((a, b) => membershipKey(a.location, a.id).localeCompare(membershipKey(b.location, b.id)))
      .map(render)
      .filter((m) => matchesFilter(m, c.req.query('filter')));
    const page = paginate(all, c.req.query('pageSize'), c.req.query('pageToken'), state.deps.hubDefaultPageSize);
    return c.json({
      resources: page.items,
      ...(page.nextPageToken !== '' ? { nextPageToken: page.nextPageToken } : {}),
      unreachable: [],
    });
  };
  // gcloud reads memberships through v1beta when it searches every location (`describe NAME`
  // without --location); the shape fleetpilot and gcloud read is the same in both versions.
  for (const version of ['v1', 'v1beta']) {
    const at = base.replace('/v1/', `/${version}/`);
    app.get(at, list);
    app.get(`${at}/:m`, (c) => c.json(render(find(c))));
  }

  app.post(base, async (c) => {
    requireProject(state, param(c, 'p'));
    const location = param(c, 'l');
    const id = c.req.query('membershipId') ?? c.req.query('membership_id') ?? '';
    if (!MEMBERSHIP_ID_RE.test(id)) {
      throw invalidArgument(`Invalid membership ID "${id}": must be a RFC 1123 label of at most 63 characters.`);
    }
    const key = membershipKey(location, id);
    const existing = state.memberships.get(key);
    if (existing !== undefined) throw alreadyExists(membershipName(state.deps.projectId, location, id));
    const body = await readJsonObject(c);
    const resourceLink = resourceLinkOf(body, c.req.header('host'));
    const issuer = issuerOf(body, c.req.header('host'));
    const twin =
      resourceLink === undefined ? undefined : [...state.memberships.values()].find((m) => sameCluster(m.resourceLink, resourceLink));
    if (twin !== undefined) {
      throw new GoogleApiError(
        409,
        `The cluster ${resourceLink} is already registered as ${membershipName(state.deps.projectId, twin.location, twin.id)}.`,
      );
    }
    const now = state.deps.clock();
    const rec: MembershipRecord = {
      id,
      location,
      uniqueId: state.deps.newId(),
      state: 'CREATING',
      labels: stringMap(body['labels'], 'labels'),
      createTime: now,
      updateTime: now,
      ...(resourceLink !== undefined ? { resourceLink } : {}),
      ...(issuer !== undefined ? { issuer } : {}),
      ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
    };
    state.memberships.set(key, rec);
    const op = state.startHubOp(location, 'create', membershipName(state.deps.projectId, location, id), () => {
      if (rec.state === 'CREATING') rec.state = 'READY';
      rec.updateTime = state.deps.clock();
      return asResponse(rec);
    });
    return c.json(renderHubOp(op));
  });

  app.patch(`${base}/:m`, async (c) => {
    const rec = find(c);
    if (rec.state !== 'READY') throw failedPrecondition(`Membership is ${rec.state}; try again later.`);
    const paths = updateMaskOf(c);
    const body = await readJsonObject(c);
    for (const path of paths) {
      if (path === 'labels') rec.labels = stringMap(body['labels'], 'labels');
      else if (path === 'description') {
        if (typeof body['description'] === 'string') rec.description = body['description'];
        else delete rec.description;
      } else if (path === 'authority' || path === 'authority.issuer') {
        const issuer = issuerOf(body, c.req.header('host'));
        if (issuer !== undefined) rec.issuer = issuer;
        else delete rec.issuer;
      } else {
        throw invalidArgument(`Unsupported or immutable field in update_mask: "${path}".`);
      }
    }
    rec.state = 'UPDATING';
    rec.updateTime = state.deps.clock();
    const op = state.startHubOp(rec.location, 'update', membershipName(state.deps.projectId, rec.location, rec.id), () => {
      if (rec.state === 'UPDATING') rec.state = 'READY';
      rec.updateTime = state.deps.clock();
      return asResponse(rec);
    });
    return c.json(renderHubOp(op));
  });

  app.delete(`${base}/:m`, (c) => {
    const rec = find(c);
    if (rec.state === 'DELETING') throw failedPrecondition('Membership is already being deleted.');
    rec.state = 'DELETING';
    rec.updateTime = state.deps.clock();
    const op = state.startHubOp(rec.location, 'delete', membershipName(state.deps.projectId, rec.location, rec.id), () => {
      state.memberships.delete(membershipKey(rec.location, rec.id));
      return { '@type': 'type.googleapis.com/google.protobuf.Empty' };
    });
    return c.json(renderHubOp(op));
  });
  return app;
}
