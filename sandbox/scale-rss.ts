/** Memory of a process tree, read from `ps`: what the sandbox costs in resident memory. */
import { execFileSync } from 'node:child_process';

/** Resident set size in MiB of `rootPid` and all its descendants (defaults to this process). */
export function treeRssMb(rootPid = process.pid): number {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number, number]);
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of rows) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const rss = new Map(rows.map(([pid, , kb]) => [pid, kb]));
  let totalKb = 0;
  const stack = [rootPid];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    totalKb += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return Math.round(totalKb / 1024);
}

/** Resident set size in MiB of one process, or undefined when it is gone. */
export function processRssMb(pid: number): number | undefined {
  try {
    const kb = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
