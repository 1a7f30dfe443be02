/**
 * The sandbox's Git repository holding the fleet configuration, as a platform team keeps it: a
 * real local repository, committed to with the real `git`, that the git-push function reads at the
 * pushed commit.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';

const run = promisify(execFile);

/** The repository name webhooks carry for the sandbox repository. */
export const SANDBOX_REPOSITORY = 'fleetpilot-demo/fleet-config';
/** The configuration file's path inside the repository. */
export const CONFIG_PATH = 'fleet.yaml';

async function git(repoDir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', ['-C', repoDir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'platform-team',
      GIT_AUTHOR_EMAIL: 'platform@example.com',
      GIT_COMMITTER_NAME: 'platform-team',
      GIT_COMMITTER_EMAIL: 'platform@example.com',
      ...env,
    },
  });
  return stdout.trim();
}

/** Creates the repository with the example configuration as its first commit (once). */
export async function ensureConfigRepo(repoDir: string, exampleFile: string): Promise<string> {
  if (!existsSync(join(repoDir, '.git'))) {
    await mkdir(repoDir, { recursive: true });
    await git(repoDir, ['init', '--quiet', '--initial-branch=main']);
    await copyFile(exampleFile, join(repoDir, CONFIG_PATH));
    await git(repoDir, ['add', CONFIG_PATH]);
    await git(repoDir, ['commit', '--quiet', '-m', 'Fleet configuration: the classic store example']);
  }
  return git(repoDir, ['rev-parse', 'HEAD']);
}

/** Options of {@link commitConfigChange}. */
export interface CommitOptions {
  /** The date the commit claims (a wrong clock, a rebase); now by default. */
  date?: Date;
}

/** Edits the configuration with `edit` (a YAML document, comments kept), commits, and returns the commit. */
export async function commitConfigChange(
  repoDir: string,
  message: string,
  edit: (doc: ReturnType<typeof parseDocument>) => void,
  options: CommitOptions = {},
): Promise<{ commit: string; before: string }> {
  const before = await git(repoDir, ['rev-parse', 'HEAD']);
  const file = join(repoDir, CONFIG_PATH);
  const doc = parseDocument(await readFile(file, 'utf8'));
  edit(doc);
  await writeFile(file, doc.toString());
  await git(repoDir, ['add', CONFIG_PATH]);
  // The date orders nothing (fleetpilot follows the branch history); it is set so a test can make it wrong.
  const at = `${Math.floor((options.date ?? new Date()).getTime() / 1000)} +0000`;
  await git(repoDir, ['commit', '--quiet', '--allow-empty', '-m', message], { GIT_COMMITTER_DATE: at, GIT_AUTHOR_DATE: at });
  return { commit: await git(repoDir, ['rev-parse', 'HEAD']), before };
}

/**
 * Moves the checked-out branch to `commit` (`git reset --hard`): what a force-push of the branch
 * back to an older commit does on the Git host. Returns the commit it pointed at before.
 */
export async function moveBranch(repoDir: string, commit: string): Promise<{ commit: string; before: string }> {
  const before = await git(repoDir, ['rev-parse', 'HEAD']);
  await git(repoDir, ['reset', '--quiet', '--hard', commit]);
  return { commit: await git(repoDir, ['rev-parse', 'HEAD']), before };
}

/** Sets the baseline weight of each region of the first service. */
export function setRegionWeights(weights: Record<string, number>) {
  return (doc: ReturnType<typeof parseDocument>) => {
    for (const [region, weight] of Object.entries(weights)) doc.setIn(['services', 0, 'regionWeights', region], weight);
  };
}
