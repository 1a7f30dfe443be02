/**
 * The main job on the local sandbox (`npm run sandbox`): builds what it needs, starts the sandbox,
 * creates the demo fleet, prints how to look at it, and runs until Ctrl-C or SIGTERM (or exits at
 * once with `--once`), stopping every process it started. With `--istiod`, a real istiod per mesh
 * cluster reads the mesh wiring and prints what it computed. With `--dist`, fleetpilot's functions and
 * services run from the built artifact (dist/, rebuilt when stale), each in its own process, as deployed.
 */
import { join, resolve } from 'node:path';
import { createLogger } from '../shared/core/logger.ts';
import { DEMO_APP, DEMO_CLUSTERS, createDemoFleet } from './demo-fleet.ts';
import { startSandbox, type SandboxInfra } from './sandbox.ts';
import { startFleetpilot, type Fleetpilot } from './fleetpilot.ts';
import { listOperations, readStoreRoute, waitForClassicRoute, waitForStoreRouteLoaded, type RouteShape } from './demo-watch.ts';
import type { OperationRecord } from '../shared/state/operations.ts';
import { timed } from './progress.ts';
import { pollUntil } from '../shared/core/retry.ts';
import { sendTraffic } from './data-plane/traffic.ts';
import { commitConfigChange, setRegionWeights } from './gitops-repo.ts';
import { sendConfigPush } from './github-push.ts';
import { chatOpsDemo } from './ops-demo.ts';
import { approvalsDemo } from './approvals-demo.ts';
import { SANDBOX_APPROVALS_CHANNEL } from './slack-app.ts';
import { runFailoverDrill, type DrillResult } from './drill.ts';
import { fleetDrillDemo } from './fleet-drill-demo.ts';
import { startSandboxGateway } from './gateway.ts';
import { showMeshConvergence } from './mesh-demo.ts';
import { showIstiodView } from './istiod-demo.ts';

const repoRoot = resolve(import.meta.dirname, '..');
// No GCE metadata server exists here; without this the auth library probes for one and warns.
process.env.METADATA_SERVER_DETECTION ??= 'none';
const once = process.argv.includes('--once');
const runFrom = process.argv.includes('--dist') ? 'dist' : 'source';
// A real istiod per mesh cluster; its first build takes several minutes, so only when asked.
const withIstiod = process.argv.includes('--istiod');
const log = createLogger({ format: process.env.LOG_FORMAT === 'json' ? 'json' : 'text', fields: { component: 'sandbox' } });

async function main(): Promise<void> {
  const started = performance.now();
  const sandbox = await timed(log, 'sandbox', () =>
    startSandbox({
      repoRoot,
      stateDir: join(repoRoot, '.cache', 'sandbox', 'main'),
      log,
      ports: { pubsub: 8681, firestore: 8682, double: 8689, control: 8692 },
    }),
  );
  let stopping = false;
  // Stopped in reverse order of starting: the gateway, fleetpilot, then the infrastructure.
  let stopGateway: () => Promise<void> = async () => undefined;
  let stopFleetpilot: () => Promise<void> = async () => undefined;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping the sandbox', { reason });
    await stopGateway();
    await stopFleetpilot();
    const survivors = await sandbox.stop();
    if (survivors.length > 0) {
      log.error('sandbox stopped, but processes survived', { survivors });
      process.exit(1);
    }
    log.info('sandbox stopped; no process left running');
    process.exit(process.exitCode ?? 0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  let fleetpilot: Fleetpilot;
  try {
    fleetpilot = await timed(log, 'fleetpilot: functions, services, GitOps repository', () =>
      startFleetpilot(sandbox, {
        fleetConfigFile: join(repoRoot, 'examples', 'fleet.yaml'),
        log,
        servicesPort: 8691,
        runFrom,
      }),
    );
    stopFleetpilot = () => fleetpilot.stop();
    const demoStarted = new Date().toISOString();
    await timed(log, 'demo fleet: create the config cluster, then Tokyo and Osaka', () => createDemoFleet(sandbox, log));
    const route = await timed(log, 'wait for fleetpilot to onboard both clusters and write the store route', () =>
      waitForClassicRoute(sandbox.adapters, sandbox.token, 180_000),
    );
    // The route can be complete before both onboarding runs have recorded their last step.
    const operations = await pollUntil(
      async () => {
        const ops = (await listOperations(sandbox.adapters)).filter((o) => o.startedAt >= demoStarted && o.trigger.phase === 'last');
        return ['mc-gw-tokyo', 'mc-gw-osaka'].every((c) =>
          ops.some((o) => o.subject.endsWith(`/${c}`) && o.finishedAt && o.result !== 'retrying'),
        )
          ? ops
          : undefined;
      },
      { timeoutMs: 60_000, what: 'both onboarding operations to finish' },
    );
    printOnboarding(operations, demoStarted, route);
    const print = (line: string) => process.stdout.write(line + '\n');
    const onboardedAt =
      operations
        .map((o) => o.finishedAt ?? '')
        .sort()
        .at(-1) ?? new Date().toISOString();
    await timed(log, 'mesh: wait for the tick to wire Tokyo and Osaka both ways', () =>
      showMeshConvergence({ adapters: sandbox.adapters, token: sandbox.token, onboardedAt, since: demoStarted, print }),
    );
    if (withIstiod)
      await timed(log, 'mesh: a real istiod in Tokyo and in Osaka reads the wiring (first build: several minutes)', () =>
        showIstiodView({ sandbox, repoRoot, log, print }),
      );
    const gateway = await timed(log, 'local data plane for the Gateway (stand-in for the Google load balancer)', () =>
      startSandboxGateway(sandbox, log, 8690),
    );
    stopGateway = () => gateway.stop();
    process.stdout.write(`\nFailover drill (Gateway at ${gateway.url}, Host: store.example.com):\n`);
    const drill = await runFailoverDrill({
      adapters: sandbox.adapters,
      token: sandbox.token,
      projectId: sandbox.config.FLEETPILOT_PROJECT_ID,
      gatewayUrl: gateway.url,
      lastReload: () => gateway.lastReload(),
      fleetConfig: () => fleetpilot.config(),
      print,
    });
    printDrill(drill);
    await timed(log, 'GitOps: commit 80/20 weights and send the signed push webhook', () => gitopsChange(sandbox, fleetpilot, gateway.url));
    await timed(log, 'chat-ops: drain and restore Osaka through the operations API', () =>
      chatOpsDemo({
        api: fleetpilot.api,
        gatewayUrl: gateway.url,
        print,
        routeLoaded: (what) => waitForStoreRouteLoaded(sandbox.adapters, sandbox.token, () => gateway.lastReload(), what),
      }),
    );
    await timed(log, 'approvals: a drain waits for a second person, who approves it with a click in Slack', () =>
      approvalsDemo({ sandbox, api: fleetpilot.api, servicesUrl: fleetpilot.servicesUrl, gitops: fleetpilot.gitops, print }),
    );
    await timed(log, 'drill: fleetpilot drains Osaka on purpose, restores it and measures both from the data plane', () =>
      fleetDrillDemo({ api: fleetpilot.api, gatewayUrl: gateway.url, print }),
    );
  } catch (error) {
    log.error('demo fleet failed', { error });
    process.exitCode = 1;
    await shutdown('demo failed');
    return;
  }
  printGuide(sandbox, fleetpilot, Math.round(performance.now() - started));
  if (once) await shutdown('--once');
}

function printOnboarding(operations: OperationRecord[], since: string, route: RouteShape): void {
  const lines = ['', 'What fleetpilot did (operation records in Firestore):'];
  for (const op of operations.filter((o) => o.startedAt >= since && o.kind === 'cluster-lifecycle' && o.trigger.phase === 'last')) {
    const total = op.finishedAt ? Date.parse(op.finishedAt) - Date.parse(op.startedAt) : 0;
    lines.push(`  ${op.subject}  ${op.result ?? 'running'} in ${total} ms${op.reason ? ` — ${op.reason}` : ''}`);
    for (const step of op.steps)
      lines.push(
        `    ${String(step.elapsedMs).padStart(6)} ms  ${step.outcome.padEnd(9)} ${step.name}${step.detail ? `: ${step.detail}` : ''}`,
      );
  }
  lines.push('', 'store HTTPRoute on mc-gw-config-cluster:');
  lines.push(`  default rule: ${route.defaultBackends.map((b) => `${b.name} (weight ${b.weight ?? 1})`).join(', ')}`);
  for (const pin of route.pinned) lines.push(`  ${pin.path} → ${pin.backend}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function gitopsChange(sandbox: SandboxInfra, fleetpilot: Fleetpilot, gatewayUrl: string): Promise<void> {
  const { gitops } = fleetpilot;
  const { commit, before } = await commitConfigChange(
    gitops.repoDir,
    'store: shift baseline weights to 80/20',
    setRegionWeights({ 'asia-northeast1': 80, 'asia-northeast2': 20 }),
  );
  const answer = await sendConfigPush(fleetpilot.servicesUrl, gitops.webhookSecret, { commit, before }, 'platform-team');
  const route = await pollUntil(
    async () => {
      const r = await readStoreRoute(sandbox.adapters, sandbox.token);
      return r?.defaultBackends.find((b) => b.name === 'store-asia-northeast1')?.weight === 80 ? r : undefined;
    },
    { timeoutMs: 60_000, what: 'the 80/20 weights on the route' },
  );
  const traffic = await sendTraffic({ url: gatewayUrl, host: 'store.example.com', path: '/', count: 1000, concurrency: 20 });
  process.stdout.write(
    [
      '',
      `GitOps: commit ${commit.slice(0, 12)} pushed; webhook answered ${answer.status} (${String(answer.body.status)})`,
      `  default rule now: ${route.defaultBackends.map((b) => `${b.name} (weight ${b.weight ?? 1})`).join(', ')}`,
      `  1000 requests → ${Object.entries(traffic.byCluster)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}`,
      '  try it yourself: npm run gitops:push -- asia-northeast1=50 asia-northeast2=50',
      '',
    ].join('\n') + '\n',
  );
}

function printDrill(d: DrillResult): void {
  const f = d.failover;
  process.stdout.write(
    [
      '',
      `Time to failover: ${f.totalToReloadMs} ms from alert published to the data plane serving the drained route`,
      `  delivery ${f.deliveryMs} ms + decision ${f.decisionMs} ms + route write ${f.writeMs} ms + data-plane reload ${f.reloadMs} ms; last Osaka response ${f.lastOsakaResponseMs} ms after the alert`,
      `Time to restore: ${(d.restoreMs / 1000).toFixed(1)} s after the close (hold-down ${d.holdDownSeconds} s from safety.holdDownSeconds, then the next tick)`,
      '',
    ].join('\n') + '\n',
  );
}

function printGuide(sandbox: SandboxInfra, fleetpilot: Fleetpilot, elapsedMs: number): void {
  const kc = sandbox.kubeconfigPath;
  const { api } = fleetpilot;
  const token = 'Authorization: Bearer $FLEETPILOT_STATIC_ACCESS_TOKEN';
  const lines = [
    '',
    `fleetpilot sandbox is up (${(elapsedMs / 1000).toFixed(1)} s). Press Ctrl-C to stop it.`,
    '',
    `  Environment         source ${join(sandbox.stateDir, 'env')}   (set -a first to export)`,
    `  Kubeconfig          ${kc}`,
    `  Contexts            ${DEMO_CLUSTERS.map((c) => c.name).join(', ')}`,
    `  Pub/Sub emulator    ${sandbox.config.PUBSUB_EMULATOR_HOST}`,
    `  Firestore emulator  ${sandbox.config.FIRESTORE_EMULATOR_HOST}`,
    `  Google API double   ${sandbox.doubleUrl}  (Container v1, GKE Hub v1, Connect Gateway, Cloud Monitoring; Slack's Web API)`,
    `  Sandbox control     ${sandbox.controlUrl}  (attached and on-prem clusters)`,
    `  Demo application    service ${DEMO_APP.service} in namespace ${DEMO_APP.namespace}, port ${DEMO_APP.port}, host ${DEMO_APP.host}`,
    '',
    'Look at the fleet:',
    `  kubectl --kubeconfig ${kc} --context mc-gw-config-cluster get crd httproutes.gateway.networking.k8s.io`,
    `  kubectl --kubeconfig ${kc} --context mc-gw-tokyo -n store get services,serviceexports,serviceimports`,
    `  kubectl --kubeconfig ${kc} --context mc-gw-config-cluster -n store get httproute store -o yaml`,
    `  kubectl --kubeconfig ${kc} --context mc-gw-tokyo -n istio-system get secrets   (and --context mc-gw-osaka: remote secrets both ways)`,
    `  curl -s -H "${token}" ${sandbox.doubleUrl}/v1/projects/${sandbox.config.FLEETPILOT_PROJECT_ID}/locations/-/clusters`,
    `  curl -s -H "${token}" ${sandbox.doubleUrl}/v1/projects/${sandbox.config.FLEETPILOT_PROJECT_ID}/locations/global/memberships`,
    `  Logs of every process: ${join(sandbox.stateDir, 'logs')}`,
    '',
    `gcloud against the sandbox (the multi-cluster Gateway procedure's commands as they are): source ${sandbox.gcloud.envFile}, then e.g.`,
    ...Object.entries(sandbox.gcloud.env).map(([k, v]) => `  export ${k}=${v}`),
    `  gcloud container clusters list; gcloud container hub memberships list; gcloud services list --enabled`,
    '',
    'Bring an on-prem cluster (a real API server outside the Container API, registered in the fleet) and onboard it:',
    `  curl -s -H "${token}" -H 'Content-Type: application/json' -d '{"id":"onprem-1","platform":"onprem"}' ${sandbox.controlUrl}/attached-clusters`,
    `  ADMIN=$(node -p "require('${api.tokensFile}').admin")`,
    `  curl -s -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"membership":"projects/${sandbox.config.FLEETPILOT_PROJECT_ID}/locations/global/memberships/onprem-1","region":"asia-east1"}' ${api.url}/v1/clusters/onboard`,
    '',
    `Operations API ${api.url} (OpenAPI at /openapi.json); tokens per role in ${api.tokensFile}:`,
    `  TOKEN=$(node -p "require('${api.tokensFile}').operator")`,
    `  curl -s -H "Authorization: Bearer $TOKEN" ${api.url}/v1/fleet/regions`,
    `  curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"reason":"bad deploy","dryRun":true}' ${api.url}/v1/regions/asia-northeast2/drain`,
    `  curl -s -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"region":"asia-northeast2","durationSeconds":10,"reason":"game day"}' ${api.url}/v1/drills`,
    `  curl -s -H "Authorization: Bearer $TOKEN" ${api.url}/v1/drills   (then /v1/drills/ID for one drill and its report)`,
    '',
    `Live fleet page ${api.url}/fleet (regions, weights, ramps, drills, operations; updates itself every 2 s):`,
    `  sign in with the viewer token: node -p "require('${api.tokensFile}').viewer"   (paste it into the form; an HttpOnly cookie keeps it)`,
    '',
    `Slack (the double's Web API; approvals channel ${SANDBOX_APPROVALS_CHANNEL}, users U0OPERATOR, U0ONCALL (a second operator), U0ADMIN):`,
    `  curl -s -H "${token}" ${sandbox.doubleUrl}/_double/slack/messages   (approvals posted, each with its updates)`,
    `  curl -s -H "${token}" -H 'Content-Type: application/json' -d '{"channel":"${SANDBOX_APPROVALS_CHANNEL}","ts":"TS","actionId":"fleetpilot.approval.approve","user":{"id":"U0ONCALL","name":"oncall"}}' ${sandbox.doubleUrl}/_double/slack/click`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  log.error('sandbox failed to start', { error });
  process.exit(1);
});
