/**
 * Code against infrastructure: the offline `terraform plan` of infra/ (scripts/validate-infra.mjs
 * writes it as JSON; refreshed here when infra/ changed) must carry every topic and subscription
 * of shared/adapters/topology.ts, give each component an environment its own parser accepts,
 * grant each component every secret it reads, and put a TTL policy on exactly the collections whose
 * documents expire by shared/state/retention.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TTL_FIELD } from '../../shared/adapters/firestore.ts';
import { buildTopology, type Topology } from '../../shared/adapters/topology.ts';
import { parseEnv } from '../../shared/config/env.ts';
import { parseServiceEnv } from '../../services/config.ts';
import { TTL_COLLECTIONS } from '../../shared/state/retention.ts';

interface PlannedResource {
  address: string;
  type: string;
  values: Record<string, unknown>;
}
interface Plan {
  variables: Record<string, { value: unknown }>;
  planned_values: { root_module: { resources: PlannedResource[] } };
}

type Obj = Record<string, unknown>;
const first = (v: unknown): Obj => (v as Obj[] | undefined)?.[0] ?? {};
const list = (v: unknown): Obj[] => (v as Obj[] | undefined) ?? [];

let plan: Plan;
let topology: Topology;
const resources = (type: string) => plan.planned_values.root_module.resources.filter((r) => r.type === type);

/** A component as deployed: its environment (secret values stand in) and the secrets it reads. */
interface Deployed {
  name: string;
  serviceAccount: string;
  env: Record<string, string>;
  secrets: string[];
}

const problems = (result: { ok: true } | { ok: false; problems: string[] }) => (result.ok ? [] : result.problems);

// Secret values are unknown offline; a value any secret check accepts stands in for them (a bot
// token has a shape of its own).
const SECRET_STAND_IN = 'secret-value-from-secret-manager-0123456789';
const standIn = (variable: string) => (variable === 'FLEETPILOT_SLACK_BOT_TOKEN' ? 'xoxb-stand-in-0123456789' : SECRET_STAND_IN);

function functions(): Map<string, Deployed> {
  const out = new Map<string, Deployed>();
  for (const fn of resources('google_cloudfunctions2_function')) {
    const service = first(fn.values.service_config);
    const secretEnv = list(service.secret_environment_variables);
    out.set(String(first(fn.values.build_config).entry_point), {
      name: String(fn.values.name),
      serviceAccount: String(service.service_account_email),
      env: {
        ...(service.environment_variables as Record<string, string>),
        ...Object.fromEntries(secretEnv.map((s) => [String(s.key), standIn(String(s.key))])),
      },
      secrets: [...secretEnv.map((s) => String(s.secret)), ...list(service.secret_volumes).map((v) => String(v.secret))],
    });
  }
  return out;
}

function cloudRunService(): Deployed {
  const [service] = resources('google_cloud_run_v2_service');
  const template = first(service!.values.template);
  const env = list(first(template.containers).env);
  const secretOf = (e: Obj) => first(first(e.value_source).secret_key_ref).secret as string | undefined;
  return {
    name: String(service!.values.name),
    serviceAccount: String(template.service_account),
    env: Object.fromEntries(env.map((e) => [String(e.name), secretOf(e) ? standIn(String(e.name)) : String(e.value)])),
    secrets: [...env.map(secretOf).filter((s): s is string => !!s), ...list(template.volumes).map((v) => String(first(v.secret).secret))],
  };
}

beforeAll(() => {
  // Reuses the plan when infra/ and the stand-in provider are unchanged; else plans again (a cold
  // stand-in build takes a few minutes).
  execFileSync(process.execPath, ['scripts/validate-infra.mjs', '--plan-json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  plan = JSON.parse(readFileSync('.cache/infra-validate/plan.json', 'utf8')) as Plan;
  topology = buildTopology(String(plan.variables.prefix!.value));
}, 600_000);

describe('infra/ against shared/adapters/topology.ts', () => {
  it('creates every topic', () => {
    const names = resources('google_pubsub_topic').map((t) => t.values.name);
    expect(names).toEqual(expect.arrayContaining(Object.values(topology.topics)));
  });

  it('creates every subscription, delivering and dead-lettering as the topology says', () => {
    const subscriptions = new Map(resources('google_pubsub_subscription').map((s) => [s.values.name, s.values]));
    const tick = functions().get('tick');
    for (const spec of topology.subscriptions) {
      const topic = topology.topics[spec.topic];
      if (spec.topic === 'ticks') {
        // The tick's subscription is the one Eventarc creates for its trigger: retries off, so a
        // failed tick is never redelivered (the next tick is its retry) and never dead-lettered.
        const trigger = first(resources('google_cloudfunctions2_function').find((f) => f.values.name === tick?.name)?.values.event_trigger);
        expect(trigger.pubsub_topic, spec.name).toBe(`projects/${String(plan.variables.project_id!.value)}/topics/${topic}`);
        expect(trigger.retry_policy, spec.name).toBe('RETRY_POLICY_DO_NOT_RETRY');
        continue;
      }
      const sub = subscriptions.get(spec.name);
      expect(sub, `subscription ${spec.name}`).toBeDefined();
      expect(sub!.topic, spec.name).toBe(topic);
      if (spec.maxDeliveryAttempts) {
        const deadLetter = first(sub!.dead_letter_policy);
        expect(deadLetter.dead_letter_topic, spec.name).toBe(
          `projects/${String(plan.variables.project_id!.value)}/topics/${topology.topics.deadLetter}`,
        );
        expect(deadLetter.max_delivery_attempts, spec.name).toBe(spec.maxDeliveryAttempts);
        // The sandbox's push bridge redelivers on this same backoff (sandbox/functions-host.ts).
        expect(first(sub!.retry_policy), `${spec.name} redelivery backoff`).toEqual({
          minimum_backoff: `${spec.retryPolicy?.minimumBackoffSeconds}s`,
          maximum_backoff: `${spec.retryPolicy?.maximumBackoffSeconds}s`,
        });
        expect(list(sub!.push_config), `${spec.name} pushes to its function`).toHaveLength(1);
      }
    }
  });

  it("holds each consumer's deliveries to its function's instances, one request each (the sandbox's limit too)", () => {
    const deployed = new Map(resources('google_cloudfunctions2_function').map((f) => [f.values.name, first(f.values.service_config)]));
    const consumers = topology.subscriptions.filter((s) => s.maxInFlight !== undefined);
    expect(consumers.map((s) => s.topic).sort()).toEqual(['clusterEvents', 'gitPushes', 'healthAlerts', 'ticks']);
    for (const spec of consumers) {
      const service = deployed.get(spec.name);
      expect(service, `function ${spec.name}`).toBeDefined();
      expect(service!.max_instance_request_concurrency, spec.name).toBe(1);
      expect(service!.max_instance_count, spec.name).toBe(spec.maxInFlight);
    }
  });
});

describe('infra/ against the components', () => {
  it('deploys the four functions on nodejs22 by their entry points', () => {
    expect([...functions().keys()].sort()).toEqual(['clusterLifecycle', 'gitPush', 'healthAlerts', 'tick']);
    for (const fn of resources('google_cloudfunctions2_function')) expect(first(fn.values.build_config).runtime).toBe('nodejs22');
  });

  it.each(['clusterLifecycle', 'healthAlerts', 'gitPush', 'tick'])('sets every variable the %s function requires', (entryPoint) => {
    expect(problems(parseEnv(functions().get(entryPoint)!.env))).toEqual([]);
  });

  it('sets every variable the Cloud Run service requires', () => {
    const { env } = cloudRunService();
    expect(problems(parseEnv(env))).toEqual([]);
    expect(problems(parseServiceEnv(env))).toEqual([]);
  });

  it('grants each component every secret it reads, and nothing reads an undeclared secret', () => {
    const declared = new Set(resources('google_secret_manager_secret').map((s) => s.values.secret_id));
    const grants = new Set(
      resources('google_secret_manager_secret_iam_member')
        .filter((g) => g.values.role === 'roles/secretmanager.secretAccessor')
        .map((g) => `${String(g.values.secret_id)} ${String(g.values.member)}`),
    );
    const components = [...functions().values(), cloudRunService()];
    for (const c of components) {
      expect(c.secrets.length, `${c.name} reads the fleet configuration at least`).toBeGreaterThan(0);
      for (const secret of c.secrets) {
        expect(declared.has(secret), `${c.name} reads ${secret}, which infra/ does not create`).toBe(true);
        expect(grants.has(`${secret} serviceAccount:${c.serviceAccount}`), `${c.serviceAccount} may read ${secret}`).toBe(true);
      }
    }
  });

  it('runs each component as its own service account', () => {
    const accounts = [...functions().values(), cloudRunService()].map((c) => c.serviceAccount);
    expect(new Set(accounts).size).toBe(accounts.length);
  });

  it('lets only who must publish to the alerts, git-push, tick and results topics', () => {
    const publishers = new Map(
      resources('google_pubsub_topic_iam_binding').map((b) => [b.values.topic, (b.values.members as string[]).slice().sort()]),
    );
    expect(publishers.get(topology.topics.healthAlerts)).toEqual([
      expect.stringMatching(/^serviceAccount:service-\d+@gcp-sa-monitoring-notification\.iam\.gserviceaccount\.com$/),
    ]);
    expect(publishers.get(topology.topics.ticks)).toEqual([
      expect.stringMatching(/^serviceAccount:service-\d+@gcp-sa-cloudscheduler\.iam\.gserviceaccount\.com$/),
    ]);
    expect(publishers.get(topology.topics.gitPushes)).toEqual([`serviceAccount:${cloudRunService().serviceAccount}`]);
    const runtime = [...functions().values(), cloudRunService()].map((c) => `serviceAccount:${c.serviceAccount}`).sort();
    expect(publishers.get(topology.topics.results)).toEqual(runtime);
  });
});

describe('infra/ against shared/state/retention.ts', () => {
  it('puts a TTL policy on expireAt on exactly the collections whose documents expire', () => {
    const ttl = resources('google_firestore_field').filter((f) => list(f.values.ttl_config).length > 0);
    for (const f of ttl) expect(f.values.field, `TTL field of ${String(f.values.collection)}`).toBe(TTL_FIELD);
    const withPolicy = ttl.map((f) => String(f.values.collection)).sort();
    // A collection written with expireAt but without a policy keeps its documents forever; a policy
    // on a collection the table says does not expire deletes what should be kept.
    expect(withPolicy).toEqual([...TTL_COLLECTIONS].sort());
  });
});
