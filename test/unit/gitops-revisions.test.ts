/** applyIfNewer ordering: pushes in any order end at the newest commit; older ones never win. */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../shared/adapters/firestore.ts';
import { memoryStore } from '../support/memory-store.ts';
import { applyIfNewer, readAppliedConfig, readRevision, recordRevision, type RevisionInput } from '../../shared/gitops/index.ts';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute)).toISOString();
/** Commits a1..d4: the digit is the commit minute, so a higher digit is newer. */
const commits: Record<string, RevisionInput & { yaml: string }> = Object.fromEntries(
  ['a1', 'b2', 'c3', 'd4'].map((c) => [
    c,
    {
      commit: `${c}${'0'.repeat(38)}`,
      author: 'sre',
      committedAt: at(Number(c[1])),
      receivedAt: at(30),
      path: 'fleet.yaml',
      yaml: `# ${c}`,
    },
  ]),
);
const sha = (name: string) => commits[name]!.commit;

async function pushAll(store: Store, order: string[]) {
  const decisions = [];
  for (const name of order) decisions.push(await applyIfNewer(store, commits[name]!));
  return decisions;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('applyIfNewer', () => {
  it.each([
    { order: ['a1', 'b2', 'c3'], applied: [true, true, true], final: 'c3' },
    { order: ['c3', 'b2', 'a1'], applied: [true, false, false], final: 'c3' },
    { order: ['b2', 'a1', 'c3'], applied: [true, false, true], final: 'c3' },
    { order: ['a1', 'c3', 'b2', 'd4'], applied: [true, true, false, true], final: 'd4' },
    { order: ['d4', 'a1', 'd4'], applied: [true, false, true], final: 'd4' },
  ])('$order ends at $final', async ({ order, applied, final }) => {
    const store = memoryStore();
    const decisions = await pushAll(store, order);
    expect(decisions.map((d) => d.applied)).toEqual(applied);
    expect((await readAppliedConfig(store))?.commit).toBe(sha(final));
    expect(decisions.at(-1)?.current?.commit).toBe(sha(final));
  });

  it.each(permutations(['a1', 'b2', 'c3', 'd4']).map((order) => ({ order })))(
    '$order: newest applied, every other superseded by a newer one',
    async ({ order }) => {
      const store = memoryStore();
      await pushAll(store, order);
      expect(await readAppliedConfig(store)).toEqual({
        commit: sha('d4'),
        committedAt: at(4),
        yaml: '# d4',
        appliedAt: at(30),
        path: 'fleet.yaml',
      });
      for (const name of ['a1', 'b2', 'c3']) {
        const revision = await readRevision(store, sha(name));
        expect(revision?.status).toBe('superseded');
        expect(revision?.supersededBy?.[1] ?? '').toSatisfy((minute: string) => Number(minute) > Number(name[1]));
      }
      expect(await readRevision(store, sha('d4'))).toMatchObject({ status: 'applied', author: 'sre' });
    },
  );

  it('treats the same commit again as already applied and writes nothing', async () => {
    const store = memoryStore();
    await applyIfNewer(store, commits.b2!);
    const before = structuredClone([...store.docs]);
    expect(await applyIfNewer(store, { ...commits.b2!, receivedAt: at(45) })).toEqual({
      applied: true,
      alreadyApplied: true,
      current: { commit: sha('b2'), committedAt: at(2) },
    });
    expect([...store.docs]).toEqual(before);
  });

  it('keeps the applied revision when another commit has the same commit time', async () => {
    const store = memoryStore();
    await applyIfNewer(store, commits.b2!);
    const twin = { ...commits.b2!, commit: 'e'.repeat(40) };
    expect(await applyIfNewer(store, twin)).toMatchObject({ applied: false, current: { commit: sha('b2') } });
  });

  it('compares times, not strings, across time-zone offsets', async () => {
    const store = memoryStore();
    await applyIfNewer(store, { ...commits.b2!, committedAt: '2025-01-01T21:02:00+09:00' });
    expect(await applyIfNewer(store, { ...commits.c3!, committedAt: '2025-01-01T12:03:00Z' })).toMatchObject({
      applied: true,
      previous: { commit: sha('b2') },
    });
  });

  it('lets exactly the newest win when pushes race', async () => {
    const store = memoryStore();
    const decisions = await Promise.all(['c3', 'a1', 'd4', 'b2'].map((name) => applyIfNewer(store, commits[name]!)));
    expect((await readAppliedConfig(store))?.commit).toBe(sha('d4'));
    expect(decisions[2]).toMatchObject({ applied: true });
  });

  it('leaves the applied configuration alone when recording a rejected revision', async () => {
    const store = memoryStore();
    await applyIfNewer(store, commits.a1!);
    await recordRevision(store, { ...commits.d4!, status: 'rejected', problems: ['fleet.yaml:20: services.0.port: Too big'] });
    expect((await readAppliedConfig(store))?.commit).toBe(sha('a1'));
    expect(await readRevision(store, sha('d4'))).toMatchObject({
      status: 'rejected',
      problems: ['fleet.yaml:20: services.0.port: Too big'],
    });
  });

  it('refuses a revision whose commit time is not a timestamp', async () => {
    await expect(applyIfNewer(memoryStore(), { ...commits.a1!, committedAt: 'yesterday' })).rejects.toThrow(/not a timestamp/);
  });
});
