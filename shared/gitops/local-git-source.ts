/**
 * The sandbox's configuration source: a local Git repository read with the real `git` binary
 * (`git show SHA:PATH`, `git log -1 SHA`, `git rev-parse`, `git merge-base --is-ancestor`), called
 * without a shell and only with a validated hexadecimal commit id or branch name, so nothing in a
 * push message can become an option or a command.
 */
import { execFile } from 'node:child_process';
import { TerminalError, TransientError } from '../core/errors.ts';
import { isBranchName, type Ancestry } from './history.ts';
import { assertCommitSha, assertRepoPath, shortSha, toUtcIso } from './provider-http.ts';
import type { ConfigSource } from './sources.ts';

/** Options of {@link localGitSource}. */
export interface LocalGitSourceOptions {
  /** The repository's working directory (or a bare repository). */
  repoDir: string;
  /** The git executable; `git` on the PATH by default. */
  gitBinary?: string;
}

/** Output that means "this commit, branch or file does not exist". */
const MISSING =
  /does not exist|exists on disk, but not in|invalid object name|unknown revision|bad revision|bad object|not a valid object name|not a valid commit name|needed a single revision|ambiguous argument|not a tree object/i;

/** Reads files and history from a local Git repository. */
export function localGitSource(options: LocalGitSourceOptions): ConfigSource {
  const git = (args: string[], what: string, answers: number[] = []) =>
    run(options.gitBinary ?? 'git', args, options.repoDir, what, answers);
  const resolve = async (commit: string) => {
    assertCommitSha(commit);
    return (await git(['rev-parse', '--verify', '--end-of-options', `${commit}^{commit}`], `git commit ${shortSha(commit)}`)).stdout.trim();
  };
  const isAncestor = async (a: string, b: string) =>
    (await git(['merge-base', '--is-ancestor', a, b], `git ancestry of ${shortSha(a)} and ${shortSha(b)}`, [1])).code === 0;
  return {
    async fetch(commit, path) {
      assertCommitSha(commit);
      assertRepoPath(path);
      const at = `${path} at ${shortSha(commit)}`;
      const [text, log] = await Promise.all([
        git(['show', '--no-textconv', `${commit}:${path}`], `git file ${at}`),
        git(['log', '-1', '--format=%an%x00%cI', commit, '--'], `git commit ${shortSha(commit)}`),
      ]);
      const [author = '', committed = ''] = log.stdout.trim().split('\0');
      return { text: text.stdout, author: author || 'unknown', committedAt: toUtcIso(committed, `git commit ${shortSha(commit)}`) };
    },
    async head(branch) {
      if (!isBranchName(branch)) throw new TerminalError(`not a branch name: ${JSON.stringify(branch.slice(0, 80))}`);
      return (
        await git(['rev-parse', '--verify', '--end-of-options', `refs/heads/${branch}^{commit}`], `git branch ${branch}`)
      ).stdout.trim();
    },
    async compare(base, head): Promise<Ancestry> {
      const [from, to] = await Promise.all([resolve(base), resolve(head)]);
      if (from === to) return 'identical';
      if (await isAncestor(from, to)) return 'ahead';
      return (await isAncestor(to, from)) ? 'behind' : 'diverged';
    },
  };
}

/** Runs git; an exit code listed in `answers` is an answer (e.g. 1 for "not an ancestor"), not a failure. */
function run(binary: string, args: string[], cwd: string, what: string, answers: number[]): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      {
        cwd,
        encoding: 'utf8',
        maxBuffer: 8 * 1024 * 1024,
        timeout: 15_000,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, code: 0 });
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number' && answers.includes(code) && !stderr.trim()) return resolve({ stdout, code });
        const firstLine = (stderr || error.message).trim().split('\n')[0] ?? '';
        if (MISSING.test(stderr)) return reject(new TerminalError(`${what}: not found (${firstLine})`, { what }));
        if (code === 'ENOENT' || /not a git repository/i.test(stderr)) return reject(new TerminalError(`${what}: ${firstLine}`, { what }));
        reject(new TransientError(`${what}: git failed (${firstLine})`, { what }, { cause: error }));
      },
    );
  });
}
