/**
 * The clusters' RBAC for fleetpilot (infra/kubernetes/) against what the code does: every kind
 * shared/ reads or writes through the Kubernetes adapter, found by scanning its sources for
 * `apiVersion`/`kind` literals and adapter calls, must be granted with the verbs that call needs.
 * A new kind in the code fails here until the roles grant it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { READER_CLUSTER_ROLE, READER_SERVICE_ACCOUNT, renderReaderObjects } from '../../shared/mesh/render.ts';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}
interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string }[];
}

/** Objects shared/ builds that are not API objects a cluster stores. */
const NOT_API_OBJECTS: Record<string, string> = { Config: 'the kubeconfig inside a remote secret' };

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );

interface Access {
  group: string;
  kind: string;
  resource: string;
  verbs: string[];
  where: string;
}

function resourceOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return lower.endsWith('s') ? `${lower}es` : `${lower}s`;
}

/** The kinds shared/ touches through the Kubernetes adapter, with the verbs each call needs. */
function scanCode(): Access[] {
  const files = sourceFiles('shared').filter((f) => !f.startsWith(join('shared', 'adapters')));
  const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  const constants = new Map<string, string>();
  for (const source of text.values()) for (const m of source.matchAll(/export const ([A-Z_]+) = '([^']+)'/g)) constants.set(m[1]!, m[2]!);
  const version = (literal: string | undefined, constant: string | undefined) =>
    literal ?? constants.get(constant ?? '') ?? `unresolved ${constant}`;
  const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
  const found = new Map<string, Access>();
  const add = (apiVersion: string, kind: string, verbs: string[], file: string) => {
    const key = `${groupOf(apiVersion)}/${kind}`;
    const entry = found.get(key) ?? { group: groupOf(apiVersion), kind, resource: resourceOf(kind), verbs: [], where: relative('.', file) };
    entry.verbs = [...new Set([...entry.verbs, ...verbs])].sort();
    found.set(key, entry);
  };
  for (const [file, source] of text) {
    for (const m of source.matchAll(/apiVersion:\s*(?:'([^']+)'|([A-Z_]+))\s*,\s*kind:\s*'([A-Za-z]+)'/g)) {
      const kind = m[3]!;
      if (NOT_API_OBJECTS[kind]) continue;
      const before = source.slice(Math.max(0, m.index - 40), m.index);
      // A reference passed to a read, a delete or a merge patch; otherwise an object rendered for a
      // server-side apply, which reads the live object and patches (creating it when absent).
      const verbs = /\.delete\(\{\s*$/.test(before)
        ? ['delete']
        : /\.get(<[^>]*>)?\(\{\s*$/.test(before)
          ? ['get']
          : /mergePatch\(\{\s*$/.test(before)
            ? ['patch']
            : ['create', 'get', 'patch'];
      add(version(m[1], m[2]), kind, verbs, file);
    }
    for (const m of source.matchAll(/\.list(?:<[^>]*>)?\(\s*(?:'([^']+)'|([A-Z_]+))\s*,\s*'([A-Za-z]+)'/g))
      add(version(m[1], m[2]), m[3]!, ['list'], file);
    if (/\.requestToken\(/.test(source)) {
      found.set('/ServiceAccount token', {
        group: '',
        kind: 'ServiceAccount',
        resource: 'serviceaccounts/token',
        verbs: ['create'],
        where: relative('.', file),
      });
    }
  }
  return [...found.values()].sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`));
}

function loadManifests(): Manifest[] {
  const dir = join('infra', 'kubernetes');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Manifest));
}

const manifests = loadManifests();
const isFleetpilot = (name: string) =>
  /^fleetpilot-(lifecycle|alerts|gitpush|tick|services)@PROJECT_ID\.iam\.gserviceaccount\.com$/.test(name);
/** The roles bound to fleetpilot's accounts. */
const fleetpilotRules: Rule[] = manifests
  .filter(
    (m) =>
      (m.kind === 'ClusterRoleBinding' || m.kind === 'RoleBinding') && m.subjects?.some((s) => s.kind === 'User' && isFleetpilot(s.name)),
  )
  .flatMap((b) => manifests.find((r) => r.kind === b.roleRef!.kind && r.metadata.name === b.roleRef!.name)?.rules ?? []);

const grants = (group: string, resource: string, verb: string, name?: string) =>
  fleetpilotRules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === group || g === '*') &&
      (r.resources ?? []).some((x) => x === resource || x === '*') &&
      (r.verbs ?? []).some((v) => v === verb || v === '*') &&
      (name === undefined || !r.resourceNames || r.resourceNames.includes(name)),
  );

const accesses = scanCode();

describe('cluster RBAC (infra/kubernetes/) against the Kubernetes calls in shared/', () => {
  it('finds the kinds fleetpilot is known to write (the scan works)', () => {
    expect(accesses.map((a) => a.kind)).toEqual(
      expect.arrayContaining([
        'Namespace',
        'Service',
        'ServiceExport',
        'ServiceImport',
        'Node',
        'Gateway',
        'HTTPRoute',
        'DestinationRule',
        'Secret',
        'ClusterRole',
      ]),
    );
  });

  it.each(accesses.map((a) => [`${a.verbs.join(', ')} ${a.group || 'core'}/${a.resource}`, a] as const))('grants %s', (_, access) => {
    for (const verb of access.verbs)
      expect(grants(access.group, access.resource, verb), `${verb} ${access.resource} (${access.kind}, ${access.where})`).toBe(true);
  });

  it('lets fleetpilot create and bind the istio reader role without holding its permissions', () => {
    const [, , role, binding] = renderReaderObjects();
    expect(grants('rbac.authorization.k8s.io', 'clusterroles', 'escalate', role.metadata!.name)).toBe(true);
    expect(grants('rbac.authorization.k8s.io', 'clusterroles', 'bind', READER_CLUSTER_ROLE)).toBe(true);
    expect(grants('rbac.authorization.k8s.io', 'clusterrolebindings', 'create', binding.metadata!.name)).toBe(true);
    expect(grants('', 'serviceaccounts/token', 'create', READER_SERVICE_ACCOUNT)).toBe(true);
  });

  it('grants no wildcard and no cluster-wide secrets', () => {
    for (const rule of fleetpilotRules) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...(rule.verbs ?? [])]).not.toContain('*');
    }
    const clusterWide = manifests
      .filter((m) => m.kind === 'ClusterRole' && m.metadata.name.startsWith('fleetpilot-'))
      .flatMap((m) => m.rules ?? []);
    expect(clusterWide.some((r) => r.resources?.includes('secrets'))).toBe(false);
  });

  it('binds every role to the five runtime accounts and lets the Connect Agent impersonate only them', () => {
    for (const binding of manifests.filter((m) => m.kind.endsWith('Binding') && m.metadata.name !== 'fleetpilot-gateway-impersonate')) {
      expect(binding.subjects?.map((s) => s.name).filter(isFleetpilot), binding.metadata.name).toHaveLength(5);
    }
    const impersonate = manifests.find((m) => m.kind === 'ClusterRole' && m.metadata.name === 'fleetpilot-gateway-impersonate');
    expect(impersonate?.rules).toEqual([
      { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: expect.any(Array) as unknown },
    ]);
    expect(impersonate!.rules![0]!.resourceNames!.every(isFleetpilot)).toBe(true);
  });
});
