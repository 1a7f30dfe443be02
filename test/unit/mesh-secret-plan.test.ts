/**
 * The remote-secret planner (shared/mesh/secret-plan.ts): tables of observed meshes and the plan
 * each gives, and a property over any mesh and any secrets present — applying the plan leaves
 * exactly N·(N−1) valid secrets and no stale one, and planning again changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeSecretPlan,
  isEmptySecretPlan,
  isTokenReusable,
  planRemoteSecrets,
  remoteSecretName,
  type MeshReader,
  type MeshSecretObservation,
  type MeshSecretPlan,
  type ObservedMeshCluster,
  type PresentSecret,
} from '../../shared/mesh/index.ts';

const NOW = new Date('2025-05-01T12:00:00Z');
const TTL = 7 * 24 * 3600;
const POLICY = { now: NOW, tokenTtlSeconds: TTL };
const HOUR = 3600;

function reader(name: string, uid = `uid-${name}`): MeshReader {
  return { server: `https://${name}.example.internal:443`, caPem: `CA of ${name}`, serviceAccountUid: uid };
}

/** An unsigned service-account token of `cluster`'s reader issued `ageSeconds` ago. */
function token(cluster: string, ageSeconds = 0, uid = `uid-${cluster}`): string {
  const iat = Math.floor(NOW.getTime() / 1000) - ageSeconds;
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iat, exp: iat + TTL, 'kubernetes.io': { namespace: 'istio-system', serviceaccount: { name: 'r', uid } } };
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2ln`;
}

/** The remote secret of `source` as fleetpilot renders it, with `overrides`. */
function secret(source: string, overrides: Partial<PresentSecret> = {}): PresentSecret {
  const { server, caPem } = reader(source);
  return { name: remoteSecretName(source), source, managed: true, server, caPem, token: token(source), ...overrides };
}

function cluster(name: string, secrets: PresentSecret[] = []): ObservedMeshCluster {
  return { name, reader: reader(name), secrets };
}

/** Tokyo and Osaka with each other's valid secret. */
const wired = (): ObservedMeshCluster[] => [cluster('osaka', [secret('tokyo')]), cluster('tokyo', [secret('osaka')])];

describe('planRemoteSecrets', () => {
  it.each<[string, MeshSecretObservation, string[], Record<string, string | null>]>([
    [
      'two clusters that onboarded together and exchanged nothing: both ways, new tokens',
      { clusters: [cluster('osaka'), cluster('tokyo')], retained: [] },
      ['create istio-remote-secret-tokyo in osaka', 'create istio-remote-secret-osaka in tokyo'],
      { tokyo: null, osaka: null },
    ],
    ['a wired pair: nothing', { clusters: wired(), retained: [] }, [], {}],
    [
      'a token past half its lifetime: renewed with a new token',
      { clusters: [cluster('osaka', [secret('tokyo', { token: token('tokyo', 85 * HOUR) })]), wired()[1]!], retained: [] },
      ['renew istio-remote-secret-tokyo in osaka'],
      { tokyo: null },
    ],
    [
      'a token of a recreated reader (another uid): renewed',
      { clusters: [cluster('osaka', [secret('tokyo', { token: token('tokyo', 0, 'old-uid') })]), wired()[1]!], retained: [] },
      ['renew istio-remote-secret-tokyo in osaka'],
      { tokyo: null },
    ],
    [
      'a secret without a token: renewed',
      { clusters: [cluster('osaka', [secret('tokyo', { token: null })]), wired()[1]!], retained: [] },
      ['renew istio-remote-secret-tokyo in osaka'],
      { tokyo: null },
    ],
    [
      'a third cluster: its secrets go out with a new token, the others’ fresh tokens are copied to it',
      { clusters: [...wired(), cluster('nagoya')], retained: [] },
      [
        'create istio-remote-secret-nagoya in osaka',
        'create istio-remote-secret-nagoya in tokyo',
        'create istio-remote-secret-osaka in nagoya',
        'create istio-remote-secret-tokyo in nagoya',
      ],
      { nagoya: null, osaka: token('osaka'), tokyo: token('tokyo') },
    ],
    [
      'a moved API server: updated, keeping its fresh token',
      { clusters: [cluster('osaka', [secret('tokyo', { server: 'https://old.example.internal' })]), wired()[1]!], retained: [] },
      ['update istio-remote-secret-tokyo in osaka'],
      { tokyo: token('tokyo') },
    ],
    [
      'a valid secret someone else made: taken over (labelled as fleetpilot’s)',
      { clusters: [cluster('osaka', [secret('tokyo', { managed: false })]), wired()[1]!], retained: [] },
      ['update istio-remote-secret-tokyo in osaka'],
      { tokyo: token('tokyo') },
    ],
  ])('%s', (_case, observed, lines, tokens) => {
    const plan = planRemoteSecrets(observed, POLICY);
    expect(describeSecretPlan(plan)).toEqual(lines);
    expect(plan.tokens).toEqual(tokens);
  });

  it('removes the secrets of clusters that left, and its own, but keeps those of clusters onboarding or leaving and those it does not manage', () => {
    const [osaka, tokyo] = wired();
    osaka!.secrets!.push(secret('gone'), secret('osaka'), secret('joining'), secret('going'), secret('theirs', { managed: false }));
    const plan = planRemoteSecrets({ clusters: [osaka!, tokyo!], retained: ['going', 'joining'] }, POLICY);
    expect(describeSecretPlan(plan)).toEqual([
      'remove istio-remote-secret-gone from osaka (gone is no longer an onboarded mesh cluster)',
      'remove istio-remote-secret-osaka from osaka (osaka is no longer an onboarded mesh cluster)',
    ]);
    expect(plan.valid).toBe(2);
  });

  it('writes nothing of a cluster it could not reach and keeps its secrets, even expiring ones', () => {
    const observed = {
      clusters: [{ name: 'nagoya' }, cluster('osaka', [secret('nagoya', { token: token('nagoya', 100 * HOUR) })]), cluster('tokyo')],
      retained: [],
    };
    expect(describeSecretPlan(planRemoteSecrets(observed, POLICY))).toEqual([
      'create istio-remote-secret-tokyo in osaka',
      'create istio-remote-secret-osaka in tokyo',
    ]);
  });

  it('writes nothing into a cluster whose secrets it could not list, and wires the others', () => {
    const observed = { clusters: [cluster('nagoya'), { name: 'osaka', reader: reader('osaka') }, cluster('tokyo')], retained: [] };
    expect(describeSecretPlan(planRemoteSecrets(observed, POLICY))).toEqual([
      'create istio-remote-secret-osaka in nagoya',
      'create istio-remote-secret-tokyo in nagoya',
      'create istio-remote-secret-nagoya in tokyo',
      'create istio-remote-secret-osaka in tokyo',
    ]);
  });

  it('renews at half the lifetime: not a second before', () => {
    const at = (ageSeconds: number) =>
      describeSecretPlan(
        planRemoteSecrets(
          { clusters: [cluster('osaka', [secret('tokyo', { token: token('tokyo', ageSeconds) })]), wired()[1]!], retained: [] },
          POLICY,
        ),
      );
    expect(at(TTL / 2 - 1)).toEqual([]);
    expect(at(TTL / 2)).toEqual(['renew istio-remote-secret-tokyo in osaka']);
  });
});

// The property: any mesh, any secrets present.
const POOL = ['a', 'b', 'c', 'd', 'e'];
const STRANGERS = ['gone', 'left'];
type TokenKind = 'fresh' | 'old' | 'expired' | 'other-uid' | 'garbage' | 'none';

const presentSecret = (sources: string[]) =>
  fc
    .record({
      source: fc.constantFrom(...sources),
      managed: fc.boolean(),
      kind: fc.constantFrom<TokenKind>('fresh', 'old', 'expired', 'other-uid', 'garbage', 'none'),
      age: fc.integer({ min: 0, max: TTL / 2 - 1 }),
      moved: fc.boolean(),
    })
    .map(({ source, managed, kind, age, moved }): PresentSecret => {
      const tokens: Record<TokenKind, string | null> = {
        fresh: token(source, age),
        old: token(source, TTL / 2 + age),
        expired: token(source, TTL + age),
        'other-uid': token(source, age, 'recreated'),
        garbage: 'not-a-jwt',
        none: null,
      };
      return secret(source, { managed, token: tokens[kind], ...(moved ? { server: 'https://moved.example.internal' } : {}) });
    });

const mesh = fc
  .record({ members: fc.subarray(POOL, { minLength: 0 }), retainedPick: fc.subarray(POOL) })
  .chain(({ members, retainedPick }) => {
    const retained = retainedPick.filter((r) => !members.includes(r));
    const sources = [...POOL, ...STRANGERS];
    return fc
      .tuple(...members.map(() => fc.uniqueArray(presentSecret(sources), { selector: (s) => s.name, maxLength: 8 })))
      .map((secrets): MeshSecretObservation => ({ clusters: members.map((m, i) => cluster(m, secrets[i])), retained }));
  });

/** Applies `plan` as the shell would, minting a token per source that needs one. */
function apply(observed: MeshSecretObservation, plan: MeshSecretPlan): { after: MeshSecretObservation; minted: string[] } {
  const minted: string[] = [];
  const tokens = new Map(
    Object.entries(plan.tokens).map(([source, stored]) => [source, stored ?? (minted.push(source), token(source))] as const),
  );
  const clusters = observed.clusters.map((c) => {
    let secrets = (c.secrets ?? []).filter((s) => !plan.deletes.some((d) => d.target === c.name && d.name === s.name));
    for (const w of plan.writes.filter((w) => w.target === c.name)) {
      secrets = [...secrets.filter((s) => s.name !== remoteSecretName(w.source)), secret(w.source, { token: tokens.get(w.source)! })];
    }
    return { ...c, secrets };
  });
  return { after: { ...observed, clusters }, minted };
}

describe('planRemoteSecrets (property)', () => {
  it('applying the plan leaves exactly N·(N−1) valid secrets and no stale one; planning again changes nothing', () => {
    fc.assert(
      fc.property(mesh, (observed) => {
        const plan = planRemoteSecrets(observed, POLICY);
        const { after, minted } = apply(observed, plan);
        const names = after.clusters.map((c) => c.name);
        const retained = new Set(observed.retained);
        let valid = 0;
        for (const target of after.clusters) {
          for (const s of target.secrets ?? []) {
            const wanted = names.includes(s.source) && s.source !== target.name && s.name === remoteSecretName(s.source);
            if (!wanted) {
              // Only what fleetpilot does not manage, or what belongs to a cluster onboarding or leaving, stays.
              expect(!s.managed || retained.has(s.source)).toBe(true);
              continue;
            }
            const r = reader(s.source);
            expect(s).toMatchObject({ managed: true, server: r.server, caPem: r.caPem });
            expect(isTokenReusable(s.token!, { now: NOW, ttlSeconds: TTL, serviceAccountUid: r.serviceAccountUid })).toBe(true);
            valid++;
          }
        }
        expect(valid).toBe(names.length * Math.max(names.length - 1, 0));
        expect(new Set(minted).size).toBe(minted.length);
        const again = planRemoteSecrets(after, POLICY);
        expect(isEmptySecretPlan(again)).toBe(true);
        expect(again.valid).toBe(valid);
      }),
      { numRuns: 500 },
    );
  });
});
