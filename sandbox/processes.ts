/**
 * Supervises the sandbox's child processes. Each child runs in its own process group so that a
 * stop takes its whole tree (gcloud starts Java under a wrapper); the groups are recorded in a
 * state file so that a start after a crash kills what the crashed run left behind; and Go children
 * watch their stdin, so they exit even when this process is killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../shared/core/logger.ts';

/** A supervised child. */
export interface Supervised {
  name: string;
  pid: number;
  /** Lines the child printed on stdout (also written to its log file). */
  onLine(listener: (line: string) => void): void;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Options for one child. */
export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Text found in the command line of every process of the group, to recognise leftovers safely. */
  marker?: string;
}

interface Record_ {
  name: string;
  pgid: number;
  marker: string;
}

/** Owns every process of one sandbox instance (one state directory). */
export class ProcessSupervisor {
  private readonly children = new Map<number, { child: ChildProcess; record: Record_ }>();
  private readonly started: Record_[] = [];
  private readonly stateFile: string;

  constructor(
    private readonly stateDir: string,
    private readonly log: Logger,
  ) {
    mkdirSync(join(stateDir, 'logs'), { recursive: true });
    this.stateFile = join(stateDir, 'processes.json');
    process.once('exit', () => this.killAllSync());
  }

  /** Kills process groups a previous, crashed run recorded in this state directory. */
  cleanupStale(): number {
    if (!existsSync(this.stateFile)) return 0;
    let killed = 0;
    const records = JSON.parse(readFileSync(this.stateFile, 'utf8')) as Record_[];
    for (const record of records) {
      if (!groupAlive(record.pgid) || !commandLine(record.pgid).includes(record.marker)) continue;
      this.log.warn('killing process left by an earlier sandbox run', { process: record.name, pgid: record.pgid });
      signalGroup(record.pgid, 'SIGKILL');
      killed++;
    }
    writeFileSync(this.stateFile, '[]');
    return killed;
  }

  /** Starts a child in its own process group with stdout/stderr going to `logs/NAME.log`. */
  spawn(spec: SpawnSpec): Supervised {
    const logPath = join(this.stateDir, 'logs', `${spec.name}.log`);
    const logFile = createWriteStream(logPath, { flags: 'a' });
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    const pid = child.pid;
    const record = { name: spec.name, pgid: pid, marker: spec.marker ?? spec.command };
    this.children.set(pid, { child, record });
    this.started.push(record);
    this.persist();
    const listeners: ((line: string) => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      logFile.write(line + '\n');
      for (const listener of listeners) listener(line);
    });
    child.stderr.pipe(logFile, { end: false });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        this.children.delete(pid);
        this.persist();
        resolve(code);
      });
    });
    return {
      name: spec.name,
      pid,
      onLine: (listener) => listeners.push(listener),
      exited,
      stop: () => this.stopOne(pid, exited),
    };
  }

  /** Stops every child: SIGTERM to each group, then SIGKILL after a grace period. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all(
      [...this.children.keys()].map((pid) => {
        const entry = this.children.get(pid)!;
        const exited = new Promise<void>((resolve) => {
          if (entry.child.exitCode !== null || entry.child.signalCode !== null) resolve();
          else entry.child.once('exit', () => resolve());
        });
        return this.stopOne(pid, exited, graceMs);
      }),
    );
    // Children of a group leader (Java under gcloud) may outlive it; take the whole group.
    this.killAllSync();
  }

  /** Processes of any group this supervisor started that are still alive (zombies excluded). */
  survivors(): string[] {
    return this.started.flatMap((record) => liveMembers(record.pgid).map((pid) => `${record.name} (pid ${pid})`));
  }

  private async stopOne(pid: number, exited: Promise<unknown>, graceMs = 5_000): Promise<void> {
    const entry = this.children.get(pid);
    entry?.child.stdin?.end();
    signalGroup(pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
      this.log.warn('process did not stop in time, killing it', { process: entry?.record.name, pid });
    }
    signalGroup(pid, 'SIGKILL');
  }

  /** Kills every child group at once (for signal handlers and exit). */
  killAllSync(): void {
    for (const pgid of this.children.keys()) signalGroup(pgid, 'SIGKILL');
  }

  private persist(): void {
    writeFileSync(this.stateFile, JSON.stringify([...this.children.values()].map((c) => c.record)));
  }
}

/** Waits for `ready`, failing at once with a clear message if the child exits first. */
export async function untilExit<T>(ready: Promise<T>, child: Supervised, what: string): Promise<T> {
  let settled = false;
  const died = new Promise<never>((_resolve, reject) => {
    void child.exited.then((code) => {
      if (!settled)
        reject(new Error(`${what} exited (code ${code}) before it was ready; see logs/${child.name}.log in the sandbox state directory`));
    });
  });
  ready.catch(() => undefined);
  try {
    return await Promise.race([ready, died]);
  } finally {
    settled = true;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    // The leader exited but its group lives on: judge by any member's command line.
    return groupCommandLines(pid);
  }
}

function liveMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSyncSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

function groupCommandLines(pgid: number): string {
  try {
    const out: string[] = [];
    for (const entry of readdirSyncSafe('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) out.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
    }
    return out.join('\n');
  } catch {
    return '';
  }
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
