/**
 * Webhook memory benchmark (`npm run bench:webhooks`): the service runs in a child process (the
 * real app and @hono/node-server on a loopback port, in-memory store and publisher), and for each
 * receiver and body framing this process sends 24 concurrent 25 MB posts with bad credentials,
 * streaming them from one reused buffer so that only the server holds what it reads. It samples
 * the child's RSS (Linux /proc) every 10 ms and prints, per run, the answers, the answer times and
 * the RSS growth over the baseline. Prints numbers; asserts nothing.
 *
 *   npm run bench:webhooks            3 runs
 *   RUNS=5 npm run bench:webhooks
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { silentLogger } from '../../shared/core/logger.ts';
import { systemClock } from '../../shared/core/clock.ts';
import { createApp } from '../../services/app.ts';
import { serveApp } from '../../services/main.ts';

const POSTS = 24;
const BODY_BYTES = 25 * 1024 * 1024;
const SECRET = 'bench-webhook-secret-0123456789';
const TOKEN = 'bench-webhook-token-0123456789';
const out = (line: string) => process.stdout.write(line + '\n');

/** The child: the service with in-memory collaborators. */
async function serve(): Promise<void> {
  const marked = new Set<string>();
  const app = createApp({
    github: { secret: SECRET },
    gitlab: { token: TOKEN },
    filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
    store: { markOnce: async (key) => (marked.has(key) ? false : (marked.add(key), true)), delete: async () => undefined },
    publish: async () => 'msg',
    clock: systemClock,
    log: silentLogger(),
  });
  const handle = await serveApp(app, { port: 0, hostname: '127.0.0.1', log: silentLogger() });
  process.stdout.write(`READY ${handle.url}\n`);
}

interface Scenario {
  name: string;
  path: string;
  headers: Record<string, string>;
  chunked: boolean;
}

const scenarios: Scenario[] = [
  {
    name: 'GitHub, bad signature, Content-Length',
    path: '/webhooks/github',
    headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    chunked: false,
  },
  {
    name: 'GitHub, bad signature, chunked',
    path: '/webhooks/github',
    headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    chunked: true,
  },
  { name: 'GitHub, no signature, chunked', path: '/webhooks/github', headers: { 'x-github-event': 'push' }, chunked: true },
  {
    name: 'GitLab, bad token, Content-Length',
    path: '/webhooks/gitlab',
    headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong-token' },
    chunked: false,
  },
  {
    name: 'GitLab, bad token, chunked',
    path: '/webhooks/gitlab',
    headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong-token' },
    chunked: true,
  },
];

async function main(): Promise<void> {
  const runs = Number(process.env.RUNS ?? 3);
  out(`webhook memory: ${POSTS} concurrent posts of ${BODY_BYTES / 1024 / 1024} MiB per scenario, ${runs} run(s), a fresh server per run`);
  out(
    'answers: HTTP statuses; EPIPE/ECONNRESET: the server answered and closed the connection while this client was still sending, before it read the answer',
  );
  for (let run = 1; run <= runs; run++) {
    const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await ready(child);
      const pid = child.pid!;
      // Warm up the code paths so that the baseline includes them.
      for (const s of scenarios) await post(url, s, 1024);
      const baseline = rssKb(pid);
      out(`run ${run}: baseline RSS ${mb(baseline)}`);
      for (const s of scenarios) {
        const before = rssKb(pid);
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 10);
        const answers = await Promise.all(Array.from({ length: POSTS }, () => post(url, s, BODY_BYTES)));
        clearInterval(sampler);
        peak = Math.max(peak, rssKb(pid));
        const statuses = count(answers.map((a) => a.status));
        const times = answers.map((a) => a.ms).sort((a, b) => a - b);
        out(
          `  ${s.name.padEnd(38)} answers ${statuses}  time median ${times[times.length >> 1]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms  RSS before ${mb(before)}, peak ${mb(peak)} (+${mb(peak - baseline)} over the baseline)`,
        );
      }
    } finally {
      child.kill();
    }
  }
}

function ready(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(line.slice(6));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const chunk = Buffer.alloc(64 * 1024, 0x20);

/** Streams `total` bytes to the scenario's path; resolves with the status (or the socket error) and the time to it. */
function post(url: string, s: Scenario, total: number): Promise<{ status: string; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const settle = (status: string) => {
      if (settled) return;
      settled = true;
      resolve({ status, ms: performance.now() - started });
    };
    const headers = { 'content-type': 'application/json', ...s.headers, ...(s.chunked ? {} : { 'content-length': String(total) }) };
    const req = request(`${url}${s.path}`, { method: 'POST', headers, agent: false });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        settle(String(res.statusCode));
        req.destroy();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? 'error'));
    let sent = 0;
    const pump = () => {
      while (!settled && sent < total) {
        const part = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function count(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}×${v}`).join(' ');
}

if (process.argv.includes('--serve')) await serve();
else await main();
