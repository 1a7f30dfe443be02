/**
 * Sandbox process lifecycle with real processes: a stop leaves nothing running, and a start after
 * a crash (the parent killed with SIGKILL, its Java emulator orphaned) cleans up what was left.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../shared/core/retry.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { ProcessSupervisor } from '../../sandbox/processes.ts';

/** Command lines of every live process that mentions `needle`. */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

describe('sandbox process lifecycle', () => {
  it('stops a whole process group, children included', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'fp-stop-'));
    const marker = `sleep ${100_000 + (process.pid % 50_000)}`;
    const supervisor = new ProcessSupervisor(stateDir, silentLogger());
    supervisor.spawn({ name: 'tree', command: 'sh', args: ['-c', `${marker} & ${marker} & wait`], marker });
    // The shell and both sleeping children carry the marker in their command lines.
    await pollUntil(() => (processesMentioning(marker).length >= 3 ? true : undefined), { timeoutMs: 5_000, what: 'process tree' });
    await supervisor.stopAll(2_000);
    await pollUntil(() => (processesMentioning(marker).length === 0 ? true : undefined), { timeoutMs: 5_000, what: 'no process left' });
  });

  it('kills what a crashed run left behind when the next run starts', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'fp-crash-'));
    const repoRoot = resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/support/crash-child.ts'), stateDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolvePort, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /READY (\d+)/.exec(chunk.toString());
        if (match) resolvePort(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`crash child exited early with ${code}`)));
    });
    expect(await answers(port)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The crash orphaned the emulator: it still answers.
    expect(await answers(port)).toBe(true);
    expect(processesMentioning(String(port)).length).toBeGreaterThan(0);

    const next = new ProcessSupervisor(stateDir, silentLogger());
    expect(next.cleanupStale()).toBe(1);
    await pollUntil(async () => (!(await answers(port)) && processesMentioning(`=${port}`).length === 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'orphaned emulator gone',
    });
  }, 120_000);
});
