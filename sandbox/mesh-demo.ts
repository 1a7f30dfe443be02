/**
 * The demo's mesh: Tokyo and Osaka onboard at the same moment; when neither finds the other
 * onboarded as it joins the mesh, the tick's mesh reconcile (level-based) wires them. Waits with a
 * deadline for remote secrets both ways and prints which runs wrote them and how long after
 * onboarding; then removes one as a mishap would and shows the tick putting it back. Checks what it
 * prints: listing `istio-system` in both clusters as `kubectl get secrets` does, and reading the other
 * cluster with the token each secret carries, as a remote istiod would.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import { createKubeAdapter, type KubeAdapter } from '../shared/adapters/kube.ts';
import { kubeConfigFor } from '../shared/adapters/kube-config.ts';
import { endpointServer } from '../shared/adapters/kube-servers.ts';
import { pollUntil } from '../shared/core/retry.ts';
import { ISTIO_NAMESPACE, MESH_STEPS, jwtExpiry, readRemoteSecret, remoteSecretName } from '../shared/mesh/index.ts';
import type { OperationRecord, StepRecord } from '../shared/state/operations.ts';
import { Claims } from './claims.ts';
import { listOperations } from './demo-watch.ts';

/** What the mesh demo needs. */
export interface MeshDemoContext {
  adapters: GcpAdapters;
  token: string;
  /** When both onboarding runs had finished (ISO): the time to converge is counted from it. */
  onboardedAt: string;
  /** Operations started before this (ISO) are not the demo's. */
  since: string;
  print: (line: string) => void;
}

/** What the mesh demo observed (every claim about it held, or it would have thrown). */
export interface MeshDemoResult {
  /** From both clusters onboarded to remote secrets both ways. */
  convergedMs: number;
  /** From a secret removed to the tick having put it back. */
  healedMs: number;
  /** Secret names in each cluster's istio-system. */
  secrets: Record<string, string[]>;
}

const PAIR = [
  { name: 'mc-gw-tokyo', location: 'asia-northeast1-b' },
  { name: 'mc-gw-osaka', location: 'asia-northeast2-b' },
] as const;
const MESH_STEP_NAMES: readonly string[] = [MESH_STEPS.exchangeSecrets, MESH_STEPS.reconcileSecrets];

/** Waits for Tokyo and Osaka to hold each other's remote secret; throws `ClaimsFailed` when what it prints does not hold. */
export async function showMeshConvergence(ctx: MeshDemoContext): Promise<MeshDemoResult> {
  const kubes = await Promise.all(PAIR.map((c) => clusterKube(ctx, c)));
  const list = async () =>
    Object.fromEntries(
      await Promise.all(
        PAIR.map(async (c, i) => [
          c.name,
          (await kubes[i]!.list<V1Secret>('v1', 'Secret', ISTIO_NAMESPACE)).map((s) => s.metadata?.name ?? ''),
        ]),
      ),
    ) as Record<string, string[]>;
  const wanted = (secrets: Record<string, string[]>) =>
    PAIR.every((target) => PAIR.every((source) => source === target || secrets[target.name]?.includes(remoteSecretName(source.name))));
  const bothWays = (what: string) =>
    pollUntil(async () => ((s) => (wanted(s) ? s : undefined))(await list()), { timeoutMs: 60_000, intervalMs: 100, what });
  await bothWays('remote secrets both ways between Tokyo and Osaka');
  const convergedMs = Date.now() - Date.parse(ctx.onboardedAt);

  ctx.print('');
  ctx.print('Mesh: remote secrets between Tokyo and Osaka (onboarding writes them when one finds the other onboarded; the tick, always):');
  for (const { op, step } of await meshWrites(ctx.adapters, ctx.since))
    ctx.print(`  ${op.kind} ${op.id} at ${op.startedAt}: ${step.name}: ${step.detail ?? ''}`);
  ctx.print(`  secrets both ways ${(convergedMs / 1000).toFixed(1)} s after both clusters were onboarded`);

  const claims = new Claims('mesh', ctx.print);
  // A secret lost (deleted by hand, a restore from backup): the next tick puts it back.
  const [tokyo, osaka] = PAIR;
  const lost = `${remoteSecretName(tokyo.name)}@${osaka.name}`;
  const removedAt = new Date();
  await kubes[1]!.delete({ apiVersion: 'v1', kind: 'Secret', namespace: ISTIO_NAMESPACE, name: remoteSecretName(tokyo.name) });
  await bothWays(`the tick to put back ${lost}`);
  const healedMs = Date.now() - removedAt.getTime();
  const healer = await pollUntil(
    async () =>
      (await meshWrites(ctx.adapters, ctx.since)).find(
        ({ op, step }) => (op.finishedAt ?? '') >= removedAt.toISOString() && step.detail?.includes(lost),
      ),
    { timeoutMs: 30_000, intervalMs: 200, what: `the run that put back ${lost}` },
  ).catch(() => undefined);
  ctx.print(
    `  removed ${remoteSecretName(tokyo.name)} from ${osaka.name}; ${healer ? `${healer.op.kind} ${healer.op.id}` : 'no recorded run'} put it back ${(healedMs / 1000).toFixed(1)} s later`,
  );
  claims.check(
    `the tick put back ${lost} (a mesh reconcile step recorded it)`,
    healer?.op.kind === 'tick' && healer.step.name === MESH_STEPS.reconcileSecrets,
    healer ? `${healer.op.kind}: ${healer.step.name}: ${healer.step.detail ?? ''}` : 'no run recorded writing it',
  );
  const secrets = await list();
  for (const [i, target] of PAIR.entries()) {
    const source = PAIR[1 - i]!;
    const names = secrets[target.name] ?? [];
    ctx.print(`  kubectl --context ${target.name} get secrets -n ${ISTIO_NAMESPACE}: ${names.join(', ') || 'none'}`);
    claims.check(
      `${target.name} holds ${remoteSecretName(source.name)} in ${ISTIO_NAMESPACE}`,
      names.includes(remoteSecretName(source.name)),
      names.join(', ') || 'no secrets',
    );
    const reach = await readWithSecret(kubes[i]!, source.name);
    ctx.print(`    with it, ${target.name}'s istiod reads ${source.name}: ${reach.observed}`);
    claims.check(`the token in ${target.name}'s secret reads ${source.name}'s Services`, reach.ok, reach.observed);
  }
  claims.verify();
  return { convergedMs, healedMs, secrets };
}

/** The mesh steps that wrote remote secrets, in runs started since `since` (ISO). */
async function meshWrites(adapters: GcpAdapters, since: string): Promise<{ op: OperationRecord; step: StepRecord }[]> {
  return (await listOperations(adapters))
    .filter((op) => op.startedAt >= since)
    .flatMap((op) => op.steps.filter((s) => MESH_STEP_NAMES.includes(s.name) && s.outcome === 'done').map((step) => ({ op, step })));
}

/** Reads `source`'s Services with the kubeconfig in the remote secret stored in `target`. */
async function readWithSecret(target: KubeAdapter, source: string): Promise<{ ok: boolean; observed: string }> {
  const secret = await target.get<V1Secret>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: ISTIO_NAMESPACE,
    name: remoteSecretName(source),
  });
  const content = secret ? readRemoteSecret(secret, source) : null;
  if (!content?.server || !content.caPem || !content.token) return { ok: false, observed: 'no kubeconfig with server, CA and token' };
  try {
    const asReader = createKubeAdapter(
      kubeConfigFor({ name: source, server: content.server, caPem: content.caPem, token: content.token }),
      'demo',
    );
    const services = await asReader.list('v1', 'Service');
    return { ok: true, observed: `${services.length} Services; token expires ${jwtExpiry(content.token)?.toISOString() ?? 'never'}` };
  } catch (error) {
    return { ok: false, observed: error instanceof Error ? error.message : String(error) };
  }
}

async function clusterKube(ctx: MeshDemoContext, c: { name: string; location: string }): Promise<KubeAdapter> {
  const info = await ctx.adapters.container.getCluster(c.location, c.name);
  if (!info) throw new Error(`demo cluster ${c.name} does not exist`);
  return createKubeAdapter(
    kubeConfigFor({ name: info.name, server: endpointServer(info.endpoint), caPem: info.caCertificatePem, token: ctx.token }),
    'demo-reader',
  );
}
