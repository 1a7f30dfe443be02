/**
 * Cold start of the built artifact against a bare functions-framework handler: each runs as Cloud
 * Functions would (the functions-framework CLI, `--target`, a fresh process); the time from spawning
 * the process to the first CloudEvent answered, and the process's RSS after 100 more events.
 * fleetpilot's function is `healthAlerts` from dist/ (built when stale), pointed at the scale
 * sandbox: its first event is a Monitoring test notification (recorded, nothing drained); of the
 * 100 that follow, every tenth is the close of a settled incident (a full route render), the rest
 * test notifications.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS_FRAMEWORK_CLI, REPO_ROOT, ensureBuilt } from '../../../sandbox/built-artifact.ts';
import { monitoringNotification } from '../../../sandbox/monitoring-incidents.ts';
import { freePort } from '../../../sandbox/ports.ts';
import { processRssMb } from '../../../sandbox/scale-rss.ts';
import { SCALE_MEMBERS } from '../../../sandbox/scale-fleet.ts';
import type { ScaleFleet } from '../../../sandbox/scale-sandbox.ts';
import { median, sleep } from './common.ts';

/** Medians over the runs. */
export interface ColdStartFigures {
  fleetpilotFirstEventMs: number;
  bareFirstEventMs: number;
  fleetpilotRssMb: number;
  bareRssMb: number;
  runs: number;
}

const RUNS = 3;
const EVENTS = 100;

interface Measured {
  firstEventMs: number;
  rssMb: number;
}

/** Posts one Pub/Sub CloudEvent; resolves with the response status (throws when nothing listens). */
async function post(url: string, payload: unknown, id: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': '//pubsub.googleapis.com/projects/fleetpilot-sandbox/topics/health-alerts',
      'ce-id': id,
    },
    body: JSON.stringify({ message: { data: Buffer.from(JSON.stringify(payload)).toString('base64'), messageId: id, attributes: {} } }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function measure(source: string, target: string, env: Record<string, string>, event: (i: number) => unknown): Promise<Measured> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [FUNCTIONS_FRAMEWORK_CLI, `--target=${target}`, `--port=${port}`, `--source=${source}`],
    {
      cwd: source,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const url = `http://127.0.0.1:${port}/`;
  try {
    let firstEventMs: number | undefined;
    const id = `cold-${Date.now().toString(36)}`;
    while (firstEventMs === undefined) {
      if (child.exitCode !== null) throw new Error(`${target} exited (${child.exitCode}): ${stderr}`);
      if (performance.now() - started > 120_000) throw new Error(`${target} answered no event within 120 s: ${stderr}`);
      const status = await post(url, event(0), `${id}-0`).catch(() => undefined);
      if (status !== undefined && status < 300) firstEventMs = performance.now() - started;
      else await sleep(status === undefined ? 10 : 200);
    }
    for (let i = 1; i <= EVENTS; i++) await post(url, event(i), `${id}-${i}`);
    return { firstEventMs: Math.round(firstEventMs), rssMb: processRssMb(child.pid!) ?? Number.NaN };
  } finally {
    child.kill('SIGKILL');
  }
}

function bareFunctionDir(): string {
  const dir = join(REPO_ROOT, '.cache', 'bench', 'bare-function');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bare-function', private: true, main: 'index.js', type: 'commonjs' }));
  writeFileSync(
    join(dir, 'index.js'),
    "require('@google-cloud/functions-framework').cloudEvent('bare', (event) => { JSON.stringify(event.data); });\n",
  );
  return dir;
}

/** Builds dist/ when stale, then measures each side `RUNS` times, alternating. */
export async function runColdStart(fleet: ScaleFleet, progress: (line: string) => void): Promise<ColdStartFigures> {
  await ensureBuilt();
  const platform = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', METADATA_SERVER_DETECTION: 'none' };
  const env = { ...platform, ...fleet.fleetpilot.env, FLEETPILOT_IMPORT_WAIT_SECONDS: '30', LOG_LEVEL: 'WARNING' };
  const member = SCALE_MEMBERS[0]!;
  const settled = new Date(Date.now() - 600_000);
  const close = monitoringNotification({
    incidentId: 'cold-start-settled',
    state: 'closed',
    startedAt: settled,
    endedAt: new Date(settled.getTime() + 60_000),
    cluster: member.name,
    location: member.location,
    projectId: fleet.sandbox.config.FLEETPILOT_PROJECT_ID,
  });
  const test = { version: 'test', incident: { incident_id: 'test', state: 'OPEN', summary: 'test notification' } };
  const fleetpilotEvent = (i: number) => (i > 0 && i % 10 === 0 ? close : test);
  const bare = bareFunctionDir();
  const ours: Measured[] = [];
  const theirs: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    theirs.push(await measure(bare, 'bare', platform, () => ({ hello: 'world' })));
    ours.push(await measure(REPO_ROOT, 'healthAlerts', env, fleetpilotEvent));
    progress(
      `  run ${i + 1}/${RUNS}: healthAlerts first event ${ours.at(-1)!.firstEventMs} ms, RSS ${ours.at(-1)!.rssMb} MiB; bare ${theirs.at(-1)!.firstEventMs} ms, ${theirs.at(-1)!.rssMb} MiB`,
    );
  }
  return {
    fleetpilotFirstEventMs: median(ours.map((m) => m.firstEventMs)),
    bareFirstEventMs: median(theirs.map((m) => m.firstEventMs)),
    fleetpilotRssMb: median(ours.map((m) => m.rssMb)),
    bareRssMb: median(theirs.map((m) => m.rssMb)),
    runs: RUNS,
  };
}
