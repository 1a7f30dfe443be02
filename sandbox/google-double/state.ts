/**
 * In-memory state of the Google double: clusters, Container operations, Hub memberships, features and
 * operations, injected faults, and the background jobs that drive cluster lifecycles.
 *
 * Hub operations complete lazily on the injected clock: every request (and {@link DoubleState.settle})
 * finishes the operations whose `doneAt` has passed. Container operations are driven by the provisioner
 * promise and then held until `operationDelayMs` has passed on the clock (see container-lifecycle.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { seedCluster, type SeedClusterInput } from './container-lifecycle.ts';
import { renderCluster, renderContainerOp } from './container-model.ts';
import type { FaultRule } from './faults.ts';
import { renderFeature, renderHubOp, renderMembership } from './hub-model.ts';
import { emptyPolicy, type IamPolicy } from './project-model.ts';
import type { ClusterRecord, ContainerOpRecord, FeatureRecord, HubOpRecord, MembershipRecord } from './records.ts';
import type { GoogleDoubleDeps, JsonObject } from './types.ts';

/** Deps with defaults applied. */
export interface ResolvedDeps extends GoogleDoubleDeps {
  operationDelayMs: number;
  hubDefaultPageSize: number;
  principalEmail: string;
}

/** Applies the documented defaults to the factory's deps. */
export function resolveDeps(deps: GoogleDoubleDeps): ResolvedDeps {
  return {
    ...deps,
    operationDelayMs: deps.operationDelayMs ?? 300,
    hubDefaultPageSize: deps.hubDefaultPageSize ?? 50,
    principalEmail: deps.principalEmail ?? `platform-admin@${deps.projectId}.iam.gserviceaccount.com`,
  };
}

/** Everything the double knows; exposed to the sandbox and tests as `state`. */
export class DoubleState {
  /** Keyed by `location/name`. */
  readonly clusters = new Map<string, ClusterRecord>();
  /** Keyed by operation name (`operation-...`). */
  readonly containerOps = new Map<string, ContainerOpRecord>();
  /** Keyed by `location/membershipId`. */
  readonly memberships = new Map<string, MembershipRecord>();
  /** Keyed by feature id (features are global). */
  readonly features = new Map<string, FeatureRecord>();
  /** Keyed by operation id (last segment of the name). */
  readonly hubOps = new Map<string, HubOpRecord>();
  /** Services enabled in the project (Service Usage); `deps.enabledServices` seeds it. */
  readonly enabledServices: Set<string>;
  /** Service Usage operations (they finish at once), by name. */
  readonly serviceOps = new Map<string, JsonObject>();
  /** The project's IAM policy (Resource Manager). */
  iamPolicy: IamPolicy = emptyPolicy();
  /** Pending injected faults, consumed in order. */
  readonly faults: FaultRule[] = [];
  private readonly jobs = new Set<Promise<void>>();

  constructor(readonly deps: ResolvedDeps) {
    this.enabledServices = new Set(deps.enabledServices ?? []);
  }

  /** True when `project` is this double's project id or number. */
  isProject(project: string): boolean {
    return project === this.deps.projectId || project === this.deps.projectNumber;
  }

  /** A fresh operation id in Google's style: `operation-<epoch ms>-<id>`. */
  newOperationId(): string {
    return `operation-${this.deps.clock().getTime()}-${this.deps.newId()}`;
  }

  /** Starts a Hub long-running operation that completes `operationDelayMs` later on the clock. */
  startHubOp(location: string, verb: HubOpRecord['verb'], target: string, complete: () => JsonObject): HubOpRecord {
    const id = this.newOperationId();
    const createTime = this.deps.clock();
    const op: HubOpRecord = {
      id,
      name: `projects/${this.deps.projectId}/locations/${location}/operations/${id}`,
      location,
      verb,
      target,
      createTime,
      doneAt: createTime.getTime() + this.deps.operationDelayMs,
      done: false,
      complete,
    };
    this.hubOps.set(id, op);
    this.settle();
    return op;
  }

  /** Completes every Hub operation that is due on the clock, oldest first. */
  settle(): void {
    const now = this.deps.clock().getTime();
    const due = [...this.hubOps.values()].filter((op) => !op.done && op.doneAt <= now);
    due.sort((a, b) => a.doneAt - b.doneAt);
    for (const op of due) {
      op.response = op.complete();
      op.done = true;
      op.endTime = this.deps.clock();
    }
  }

  /** Runs a background job; failures are logged, never thrown. */
  runInBackground(what: string, job: () => Promise<void>): void {
    const tracked = job()
      .catch((err: unknown) => {
        this.deps.log.error('google double background job failed', { what, error: String(err) });
      })
      .finally(() => {
        this.jobs.delete(tracked);
      });
    this.jobs.add(tracked);
  }

  /** Resolves once no background job (cluster create/delete) is running. */
  async whenIdle(): Promise<void> {
    while (this.jobs.size > 0) {
      await Promise.all([...this.jobs]);
    }
  }

  /** Sleeps (real timers) until the clock reaches `dueMs`. */
  async waitUntil(dueMs: number): Promise<void> {
    const remaining = dueMs - this.deps.clock().getTime();
    if (remaining > 0) await sleep(remaining);
  }

  /**
   * Creates a RUNNING cluster at once, without an operation or audit entries (for the sandbox's config
   * cluster and demo fixtures). Calls the provisioner unless `endpoint` and `caCertificatePem` are given.
   */
  seedCluster(input: SeedClusterInput): Promise<JsonObject> {
    return seedCluster(this, input);
  }

  /** A JSON dump of everything (no secrets: the double stores no tokens). */
  snapshot(): JsonObject {
    this.settle();
    const ctx = { projectId: this.deps.projectId, projectNumber: this.deps.projectNumber };
    return {
      projectId: this.deps.projectId,
      projectNumber: this.deps.projectNumber,
      clusters: [...this.clusters.values()].map((c) => renderCluster(c, ctx)),
      containerOperations: [...this.containerOps.values()].map((o) => renderContainerOp(o, ctx)),
      memberships: [...this.memberships.values()].map((m) => renderMembership(m, this)),
      features: [...this.features.values()].map((f) => renderFeature(f, this)),
      hubOperations: [...this.hubOps.values()].map((o) => renderHubOp(o)),
      enabledServices: [...this.enabledServices].sort(),
      iamPolicy: { ...this.iamPolicy },
      faults: this.faults.map((f) => ({ ...f, pathPattern: f.pathPattern.source })),
    };
  }
}
