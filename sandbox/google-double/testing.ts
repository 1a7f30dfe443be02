/**
 * Test helpers for the Google double: a manual clock, sequential ids, a scriptable provisioner, a
 * collecting audit sink and a ready-made double driven through `app.request()`.
 */
import type { LogEntry } from './audit-log.ts';
import { createGoogleDouble, type GoogleDouble } from './create-google-double.ts';
import type { ClusterProvisioner, ClusterRef, GoogleDoubleDeps, Logger, ProvisionedControlPlane } from './types.ts';

/** A clock tests move by hand. */
export interface ManualClock {
  now: () => Date;
  advance(ms: number): void;
}

/** A clock starting at `start` that only moves when told to. */
export function manualClock(start = '2025-01-15T09:00:00.000Z'): ManualClock {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
  };
}

/** Deterministic ids: `00000001`, `00000002`, ... (hex, so they look like Google's). */
export function sequentialIds(): () => string {
  let n = 0;
  return () => {
    n += 1;
    return n.toString(16).padStart(8, '0');
  };
}

/** A logger that keeps what it is told. */
export function recordingLogger(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, msg, ...(fields !== undefined ? { fields } : {}) });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A provisioner that answers at once, or fails / waits when told to. */
export class FakeProvisioner implements ClusterProvisioner {
  readonly provisioned: ClusterRef[] = [];
  readonly deprovisioned: ClusterRef[] = [];
  /** When set, the next provision rejects with it (then it is cleared). */
  failNextProvision: Error | undefined;
  /** When set, provision and deprovision wait for it before answering. */
  gate: Promise<void> | undefined;
  private port = 16443;

  async provision(cluster: ClusterRef): Promise<ProvisionedControlPlane> {
    if (this.gate !== undefined) await this.gate;
    const failure = this.failNextProvision;
    if (failure !== undefined) {
      this.failNextProvision = undefined;
      throw failure;
    }
    this.provisioned.push(cluster);
    this.port += 1;
    return {
      endpoint: `127.0.0.1:${this.port}`,
      caCertificatePem: `-----BEGIN CERTIFICATE-----\nFAKE-CA-${cluster.name}\n-----END CERTIFICATE-----\n`,
    };
  }

  async deprovision(cluster: ClusterRef): Promise<void> {
    if (this.gate !== undefined) await this.gate;
    this.deprovisioned.push(cluster);
  }

  /** Installs a gate and returns the function that opens it. */
  hold(): () => void {
    let open = (): void => undefined;
    this.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return open;
  }
}

/** A double wired with test fakes, plus a `call` helper that sends the bearer token. */
export interface TestDouble extends GoogleDouble {
  clock: ManualClock;
  provisioner: FakeProvisioner;
  published: LogEntry[];
  logger: ReturnType<typeof recordingLogger>;
  token: string;
  call(method: string, path: string, body?: unknown): Promise<Response>;
}

/** Builds a {@link TestDouble}; `overrides` replace any dep. */
export function testDouble(overrides: Partial<GoogleDoubleDeps> = {}): TestDouble {
  const clock = manualClock();
  const provisioner = new FakeProvisioner();
  const published: LogEntry[] = [];
  const logger = recordingLogger();
  const token = 'test-token-123';
  const double = createGoogleDouble({
    token,
    projectId: 'fleet-demo',
    projectNumber: '123456789012',
    clock: clock.now,
    newId: sequentialIds(),
    provisioner,
    publishAuditLog: (entry) => {
      published.push(entry);
      return Promise.resolve();
    },
    log: logger,
    ...overrides,
  });
  const call = (method: string, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
    return Promise.resolve(double.app.request(path, init));
  };
  return { ...double, clock, provisioner, published, logger, token, call };
}

/** The parsed JSON body of a response. */
export async function bodyOf(res: Response | Promise<Response>): Promise<Record<string, unknown>> {
  return (await (await res).json()) as Record<string, unknown>;
}

/** Reads a dotted path (`a.b.0.c`) out of parsed JSON; undefined when absent. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** `key` of each element of the array at `path` (e.g. the names in a list response). */
export function pluck(value: unknown, path: string, key = 'name'): unknown[] {
  const list = at(value, path);
  return Array.isArray(list) ? list.map((item: unknown) => at(item, key)) : [];
}
