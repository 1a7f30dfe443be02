/**
 * Which pushed revision is applied: decided by the branch's history (placeCommit) in a transaction
 * on the applied revision (applyByHistory), never by commit dates. Each scenario moves a branch,
 * delivers pushes in some order, and asserts the applied revision and every recorded status.
 */
import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../support/memory-store.ts';
import { fakeGitHistory, sha } from '../support/fake-git-history.ts';
import { TransientError } from '../../shared/core/errors.ts';
import {
  REVISION_LIFETIME_MS,
  applyByHistory,
  placeCommit,
  readAppliedConfig,
  readRevision,
  recordRevision,
  type RevisionInput,
} from '../../shared/gitops/index.ts';

const RECEIVED = '2025-01-01T12:30:00.000Z';
const FUTURE = '2031-06-01T00:00:00.000Z';
const revision = (commit: string, committedAt = '2025-01-01T12:00:00.000Z'): RevisionInput & { yaml: string } => ({
  commit,
  author: 'sre',
  committedAt,
  receivedAt: RECEIVED,
  path: 'fleet.yaml',
  yaml: `# ${commit.slice(0, 4)}`,
});

/** A store, a branch, and a way to deliver the push of a commit. */
function world() {
  const store = memoryStore();
  const git = fakeGitHistory('main');
  const deliver = (commit: string, committedAt?: string) =>
    applyByHistory(store, revision(commit, committedAt), (applied) => placeCommit(git.history, 'main', commit, applied));
  const applied = async () => (await readAppliedConfig(store))?.commit;
  const status = async (commit: string) => (await readRevision(store, commit))?.status;
  return { store, git, deliver, applied, status };
}

const a = sha('a1');
const b = sha('b2');
const c = sha('c3');

describe('applyByHistory with placeCommit', () => {
  it.each([
    { name: 'pushes in order', moves: ['a1', 'b2', 'c3'], order: ['a1', 'b2', 'c3'], applied: [true, true, true], final: 'c3' },
    { name: 'reverse order', moves: ['a1', 'b2', 'c3'], order: ['c3', 'b2', 'a1'], applied: [true, false, false], final: 'c3' },
    { name: 'one late', moves: ['a1', 'b2', 'c3'], order: ['b2', 'a1', 'c3'], applied: [true, false, true], final: 'c3' },
    { name: 'redelivered head', moves: ['a1', 'b2'], order: ['b2', 'a1', 'b2'], applied: [true, false, true], final: 'b2' },
  ])('$name: $order ends at $final', async ({ moves, order, applied, final }) => {
    const w = world();
    for (const name of moves) w.git.push(name);
    const decisions = [];
    for (const name of order) decisions.push(await w.deliver(sha(name)));
    expect(decisions.map((d) => d.applied)).toEqual(applied);
    expect(await w.applied()).toBe(sha(final));
    for (const name of moves.filter((m) => m !== final)) expect(await w.status(sha(name))).toBe('superseded');
  });

  it('applies an older commit pushed while the branch is already further (its own push filtered out)', async () => {
    const w = world();
    w.git.push('a1');
    await w.deliver(a);
    w.git.push('b2');
    w.git.push('c3'); // a README change: the receiver never publishes it
    expect(await w.deliver(b)).toMatchObject({ applied: true, reason: `${b.slice(0, 12)} follows the applied ${a.slice(0, 12)} on main` });
    expect(await w.applied()).toBe(b);
  });

  it('lets a commit dated in the future be followed by the next real push', async () => {
    const w = world();
    w.git.push('a1');
    await w.deliver(a, FUTURE);
    w.git.push('b2');
    expect(await w.deliver(b)).toMatchObject({ applied: true, previous: { commit: a, committedAt: FUTURE } });
    expect(await w.applied()).toBe(b);
    expect(await w.status(a)).toBe('superseded');
  });

  it('applies a force-push back to an older commit, and a late delivery of the abandoned head stays superseded', async () => {
    const w = world();
    for (const name of ['a1', 'b2', 'c3']) await w.deliver(w.git.push(name).after);
    expect(w.git.move(a)).toEqual({ before: c, after: a, forced: true });
    expect(await w.deliver(a)).toMatchObject({ applied: true, status: 'applied', previous: { commit: c } });
    expect(await w.deliver(c)).toMatchObject({
      applied: false,
      status: 'superseded',
      supersededBy: a,
      reason: `main is at ${a.slice(0, 12)}, which does not contain ${c.slice(0, 12)}`,
    });
    expect(await w.deliver(b)).toMatchObject({ applied: false, status: 'superseded' });
    expect(await w.applied()).toBe(a);
    expect((await readRevision(w.store, a))?.expireAt).toBeUndefined();
  });

  it('applies a rewritten head (amend) over the commit it replaced', async () => {
    const w = world();
    await w.deliver(w.git.push('a1').after);
    await w.deliver(w.git.push('b2').after);
    const amended = w.git.commit('b3', 'a1');
    w.git.move(amended);
    expect(await w.deliver(amended)).toMatchObject({ applied: true, reason: `${amended.slice(0, 12)} is the head of main` });
    expect(await w.deliver(b)).toMatchObject({ applied: false, supersededBy: amended });
  });

  it('applies a commit still on the branch when the applied one was force-pushed away', async () => {
    const w = world();
    await w.deliver(w.git.push('a1').after);
    await w.deliver(w.git.push('b2').after);
    w.git.move(w.git.commit('d4', 'a1'));
    w.git.push('e5');
    const d = sha('d4');
    expect(await w.deliver(d)).toMatchObject({
      applied: true,
      reason: `main is at ${sha('e5').slice(0, 12)}: the applied ${b.slice(0, 12)} is no longer on it and ${d.slice(0, 12)} is`,
    });
  });

  it('records a commit it cannot place and does not apply it', async () => {
    const w = world();
    const x = w.git.commit('a1');
    const y = w.git.commit('b2');
    w.git.move(x);
    await w.deliver(x);
    w.git.move(y);
    w.git.move(w.git.commit('c3', 'b2', 'a1')); // a merge of both: the branch contains x and y, neither contains the other
    expect(await w.deliver(y)).toMatchObject({ applied: false, status: 'unplaced' });
    expect(await w.status(y)).toBe('unplaced');
    const unknown = sha('dead1');
    expect(await w.deliver(unknown)).toMatchObject({
      applied: false,
      status: 'unplaced',
      reason: `cannot place ${unknown.slice(0, 12)} in the history of main: commit ${unknown.slice(0, 12)} not found (HTTP 404)`,
    });
    expect(await w.applied()).toBe(x);
  });

  it('rethrows a transient failure of the history and writes nothing', async () => {
    const w = world();
    w.git.push('a1');
    w.git.failNextRead();
    await expect(w.deliver(a)).rejects.toBeInstanceOf(TransientError);
    expect([...w.store.docs]).toEqual([]);
  });

  it('treats the same commit again as already applied: no revision changes, only the generation counts it', async () => {
    const w = world();
    await w.deliver(w.git.push('b2').after);
    const before = structuredClone([...w.store.docs]);
    const applied = before.find(([k]) => k === 'fleetConfig/applied')![1];
    expect(applied.generation).toBe(1);
    expect(await w.deliver(b)).toEqual({
      applied: true,
      alreadyApplied: true,
      status: 'applied',
      reason: 'already applied',
      current: { commit: b, committedAt: '2025-01-01T12:00:00.000Z' },
    });
    expect([...w.store.docs]).toEqual(before.map(([k, d]) => [k, k === 'fleetConfig/applied' ? { ...d, generation: 2 } : d]));
  });

  it('places again when the applied revision changes between the placement and the transaction', async () => {
    const w = world();
    await w.deliver(w.git.push('a1').after);
    w.git.push('b2');
    const placements: (string | undefined)[] = [];
    const decision = await applyByHistory(w.store, revision(b), async (applied) => {
      placements.push(applied);
      // The first time, the branch moves on and its push is applied while this one is being placed.
      if (placements.length === 1) await w.deliver(w.git.push('c3').after);
      return placeCommit(w.git.history, 'main', b, applied);
    });
    expect(placements).toEqual([a, c]);
    expect(decision).toMatchObject({ applied: false, supersededBy: c });
    expect(await w.applied()).toBe(c);
  });

  it('gives up with a transient error when the applied revision keeps changing', async () => {
    const w = world();
    let n = 0;
    await expect(
      applyByHistory(w.store, revision(a), async () => {
        await w.store.set('fleetConfig', 'applied', { ...revision(sha(`f${++n}`)), appliedAt: RECEIVED });
        return { verdict: 'apply', reason: 'test' };
      }),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('stamps expireAt on every revision not in force, and clears it when one is applied again', async () => {
    const w = world();
    const expiry = Timestamp.fromMillis(Date.parse(RECEIVED) + REVISION_LIFETIME_MS);
    await w.deliver(w.git.push('a1').after);
    await w.deliver(w.git.push('b2').after);
    await recordRevision(w.store, { ...revision(c), status: 'rejected', problems: ['fleet.yaml:20: services.0.port: Too big'] });
    expect(await readRevision(w.store, a)).toMatchObject({ status: 'superseded', supersededBy: b, expireAt: expiry });
    expect((await readRevision(w.store, b))?.expireAt).toBeUndefined();
    expect(await readRevision(w.store, c)).toMatchObject({ status: 'rejected', expireAt: expiry });
    w.git.move(a);
    await w.deliver(a);
    expect((await readRevision(w.store, a))?.expireAt).toBeUndefined();
    expect(await readRevision(w.store, b)).toMatchObject({ status: 'superseded', expireAt: expiry });
    expect(REVISION_LIFETIME_MS).toBe(90 * 24 * 60 * 60 * 1000);
  });

  it('leaves the applied configuration alone when recording a rejected revision', async () => {
    const w = world();
    await w.deliver(w.git.push('a1').after);
    await recordRevision(w.store, { ...revision(sha('d4')), status: 'rejected', problems: ['bad'] });
    expect(await w.applied()).toBe(a);
  });
});
