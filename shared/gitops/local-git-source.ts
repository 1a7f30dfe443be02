/**
 * The sandbox's configuration source: a local Git repository read with the real `git` binary
 * (`git show SHA:PATH`, `git log -1 SHA`), called without a shell and only with a validated
 * hexadecimal commit id, so nothing in a push message can become an option or a command.
 */
import { execFile } from 'node:child_process';
import { TerminalError, TransientError } from '../core/errors.ts';
import { assertCommitSha, assertRepoPath, shortSha, toUtcIso } from './provider-http.ts';
import type { ConfigSource } from './sources.ts';

/** Options of {@link localGitSource}. */
export interface LocalGitSourceOptions {
  /** The repository's working directory (or a bare repository). */
  repoDir: string;
  /** The git executable; `git` on the PATH by default. */
  gitBinary?: string;
}

/** Output that means "this commit or this file does not exist". */
const MISSING =
  /does not exist|exists on disk, but not in|invalid object name|unknown revision|bad revision|bad object|not a valid object name|ambiguous argument|not a tree object/i;

/** Reads files from a local Git repository. */
export function localGitSource(options: LocalGitSourceOptions): ConfigSource {
  const git = (args: string[], what: string) => run(options.gitBinary ?? 'git', args, options.repoDir, what);
  return {
    async fetch(commit, path) {
      assertCommitSha(commit);
      assertRepoPath(path);
      const at = `${path} at ${shortSha(commit)}`;
      const [text, log] = await Promise.all([
        git(['show', '--no-textconv', `${commit}:${path}`], `git file ${at}`),
        git(['log', '-1', '--format=%an%x00%cI', commit, '--'], `git commit ${shortSha(commit)}`),
      ]);
      const [author = '', committed = ''] = log.trim().split('\0');
      return { text, author: author || 'unknown', committedAt: toUtcIso(committed, `git commit ${shortSha(commit)}`) };
    },
  };
}

function run(binary: string, args: string[], cwd: string, what: string): Promise<string> {
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
        if (!error) return resolve(stdout);
        const firstLine = (stderr || error.message).trim().split('\n')[0] ?? '';
        const code = (error as { code?: unknown }).code;
        if (MISSING.test(stderr)) return reject(new TerminalError(`${what}: not found (${firstLine})`, { what }));
        if (code === 'ENOENT' || /not a git repository/i.test(stderr)) return reject(new TerminalError(`${what}: ${firstLine}`, { what }));
        reject(new TransientError(`${what}: git failed (${firstLine})`, { what }, { cause: error }));
      },
    );
  });
}
