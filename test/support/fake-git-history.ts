/**
 * A branch's history in memory for unit tests: commits with their parents and a branch that moves
 * (fast-forwards, force-pushes back, rewrites), answering the {@link BranchHistory} questions the
 * way a Git host does. Every move is kept as the push a webhook would send for it.
 */
import { TerminalError, TransientError } from '../../shared/core/errors.ts';
import type { Ancestry, BranchHistory } from '../../shared/gitops/index.ts';

/** A push the branch move would produce. */
export interface FakePush {
  before: string;
  after: string;
  forced: boolean;
}

/**
 * A 40-digit commit id from a short hexadecimal name (`c1` → `c1000…`; names must not end in 0, so
 * ids stay distinct), or a full id as it is.
 */
export const sha = (name: string): string => {
  if (/^[0-9a-f]{40}$/.test(name)) return name;
  if (!/^[0-9a-f]{0,39}[1-9a-f]$/.test(name)) throw new Error(`fake commit names are hexadecimal and end in 1-f: ${name}`);
  return name.padEnd(40, '0');
};

/** The history: build it with `commit`, move it with `move`, read it through `history`. */
export function fakeGitHistory(branch = 'main') {
  const parents = new Map<string, string[]>();
  const pushes: FakePush[] = [];
  let head: string | undefined;
  let failNext: 'transient' | undefined;
  const known = (commit: string) => {
    if (!parents.has(commit)) throw new TerminalError(`commit ${commit.slice(0, 12)} not found (HTTP 404)`);
  };
  const ancestors = (commit: string) => {
    const seen = new Set<string>();
    const stack = [commit];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(parents.get(next) ?? []));
    }
    return seen;
  };
  const history: BranchHistory = {
    async head(name) {
      if (failNext === 'transient') {
        failNext = undefined;
        throw new TransientError('branch: HTTP 503');
      }
      if (name !== branch || head === undefined) throw new TerminalError(`branch ${name} not found (HTTP 404)`);
      return head;
    },
    async compare(base, to): Promise<Ancestry> {
      known(base);
      known(to);
      if (base === to) return 'identical';
      if (ancestors(to).has(base)) return 'ahead';
      return ancestors(base).has(to) ? 'behind' : 'diverged';
    },
  };
  return {
    history,
    pushes,
    head: () => head,
    /** Adds a commit (parents default to the branch head) without moving the branch. */
    commit(name: string, ...parentNames: string[]): string {
      const id = sha(name);
      parents.set(id, parentNames.length > 0 ? parentNames.map(sha) : head ? [head] : []);
      return id;
    },
    /** Moves the branch to `commit` (a fast-forward, or forced when the old head is not its ancestor). */
    move(commit: string): FakePush {
      const before = head ?? '0'.repeat(40);
      const push = { before, after: commit, forced: head !== undefined && !ancestors(commit).has(head) };
      head = commit;
      pushes.push(push);
      return push;
    },
    /** Commits on top of the head and moves the branch there: an ordinary push. */
    push(name: string): FakePush {
      return this.move(this.commit(name));
    },
    /** The next head read fails transiently (a 503). */
    failNextRead(): void {
      failNext = 'transient';
    },
  };
}
