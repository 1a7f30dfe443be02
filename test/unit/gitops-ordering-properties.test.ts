/**
 * Properties of GitOps ordering over random branch histories: fast-forwards, force-pushes back to
 * an earlier commit and rewrites, with every push delivered at least once, late, duplicated and in
 * any order, sequentially or concurrently. Whatever the order, the applied revision ends at the
 * branch's final head, and it only ever is a commit the branch pointed at.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../support/memory-store.ts';
import { fakeGitHistory } from '../support/fake-git-history.ts';
import { TransientError } from '../../shared/core/errors.ts';
import { applyByHistory, placeCommit, readAppliedConfig, type RevisionInput } from '../../shared/gitops/index.ts';

/** A branch move: a new commit on the head, back to an earlier head, or a new commit off an earlier head. */
type Move = { kind: 'commit' } | { kind: 'back'; to: number } | { kind: 'rewrite'; from: number };

const moveArb: fc.Arbitrary<Move> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'commit' as const }) },
  { weight: 1, arbitrary: fc.nat().map((to) => ({ kind: 'back' as const, to })) },
  { weight: 1, arbitrary: fc.nat().map((from) => ({ kind: 'rewrite' as const, from })) },
);

/** Moves, then how many times each move's push is delivered (1-3) and a random priority per delivery. */
const scenarioArb = fc.array(moveArb, { minLength: 1, maxLength: 12 }).chain((moves) =>
  fc.record({
    moves: fc.constant(moves),
    copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: moves.length, maxLength: moves.length }),
    priorities: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: moves.length * 3, maxLength: moves.length * 3 }),
  }),
);

const revision = (commit: string): RevisionInput & { yaml: string } => ({
  commit,
  author: 'sre',
  // Every commit claims the same, far-future date: dates must not matter.
  committedAt: '2031-01-01T00:00:00.000Z',
  receivedAt: '2025-01-01T00:00:00.000Z',
  yaml: `# ${commit.slice(0, 6)}`,
});

/** Builds the branch from `moves`; returns it and the push of each move. */
function branchFrom(moves: Move[]) {
  const git = fakeGitHistory('main');
  const heads: string[] = [];
  let n = 0;
  const name = () => `${(++n).toString(16)}c`;
  const applyMove = (move: Move) => {
    if (move.kind === 'commit' || heads.length === 0) return git.push(name());
    if (move.kind === 'back') return git.move(heads[move.to % heads.length]!);
    return git.move(git.commit(name(), heads[move.from % heads.length]!));
  };
  const moveAt = (i: number) => {
    const push = applyMove(moves[i]!);
    heads.push(push.after);
    return push;
  };
  return { git, heads, moveAt };
}

/** Delivers a push like Pub/Sub: a transient failure is redelivered. */
async function deliver(store: ReturnType<typeof memoryStore>, git: ReturnType<typeof fakeGitHistory>, commit: string) {
  for (;;) {
    try {
      return await applyByHistory(store, revision(commit), (applied) => placeCommit(git.history, 'main', commit, applied));
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
    }
  }
}

describe('GitOps ordering properties', () => {
  it('sequential deliveries, interleaved with the moves, late and duplicated: the applied revision ends at the final head', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ moves, copies, priorities }) => {
        const store = memoryStore();
        const { git, heads, moveAt } = branchFrom(moves);
        // Each delivery gets a time after its move; moves happen at times 0, 1, 2, ...
        const deliveries = moves
          .flatMap((_, i) => Array.from({ length: copies[i]! }, (_, k) => ({ move: i, at: i + priorities[i * 3 + k]! * moves.length })))
          .sort((x, y) => x.at - y.at);
        let next = 0;
        for (const d of deliveries) {
          while (next <= Math.floor(d.at) && next < moves.length) moveAt(next++);
          await deliver(store, git, heads[d.move]!);
          expect(heads).toContain((await readAppliedConfig(store))?.commit);
        }
        expect(next).toBe(moves.length);
        expect((await readAppliedConfig(store))?.commit).toBe(git.head());
      }),
      { numRuns: 300 },
    );
  });

  it('concurrent deliveries racing the moves and each other: the applied revision ends at the final head', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.scheduler(), async ({ moves, copies }, s) => {
        const store = memoryStore();
        const { git, heads, moveAt } = branchFrom(moves);
        // Every answer of the history is delivered when the scheduler says: moves and other deliveries happen in between.
        const history = {
          head: s.scheduleFunction((branch: string) => git.history.head(branch)),
          compare: s.scheduleFunction((base: string, head: string) => git.history.compare(base, head)),
        };
        const scheduledGit = { ...git, history };
        let moved = Promise.resolve();
        const runs: Promise<unknown>[] = [];
        moves.forEach((_, i) => {
          moved = moved.then(() => s.schedule(Promise.resolve(`move ${i}`))).then(() => void moveAt(i));
          const ready = moved;
          for (let k = 0; k < copies[i]!; k++) runs.push(ready.then(() => deliver(store, scheduledGit, heads[i]!)));
        });
        await s.waitFor(Promise.all(runs));
        expect((await readAppliedConfig(store))?.commit).toBe(git.head());
      }),
      { numRuns: 200 },
    );
  });
});
