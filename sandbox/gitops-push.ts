/**
 * `npm run gitops:push -- REGION=WEIGHT ...`: against a running `npm run sandbox`, commits new
 * baseline weights for the store service to the sandbox's configuration repository and sends the
 * signed GitHub push webhook for that commit — what a merge to main does in real life.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commitConfigChange, setRegionWeights } from './gitops-repo.ts';
import { sendConfigPush } from './github-push.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const out = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const weights = Object.fromEntries(
    process.argv.slice(2).map((arg) => {
      const [region, weight] = arg.split('=');
      if (!region || !weight || !/^\d+$/.test(weight)) throw new Error(`expected REGION=WEIGHT, got "${arg}"`);
      return [region, Number(weight)];
    }),
  );
  if (Object.keys(weights).length === 0) throw new Error('usage: npm run gitops:push -- asia-northeast1=80 asia-northeast2=20');
  const envFile = join(repoRoot, '.cache', 'sandbox', 'main', 'env');
  let env: Record<string, string>;
  try {
    env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  } catch {
    throw new Error(`no running sandbox found (${envFile} is missing): start one with npm run sandbox`);
  }
  const { FLEETPILOT_SERVICES_URL: url, FLEETPILOT_GITHUB_WEBHOOK_SECRET: secret, FLEETPILOT_GITOPS_REPO_DIR: repoDir } = env;
  if (!url || !secret || !repoDir) throw new Error(`${envFile} lacks the GitOps settings; restart the sandbox with npm run sandbox`);
  const message = `store weights: ${Object.entries(weights)
    .map(([r, w]) => `${r}=${w}`)
    .join(', ')}`;
  const { commit, before } = await commitConfigChange(repoDir, message, setRegionWeights(weights));
  out(`committed ${commit.slice(0, 12)} to ${repoDir}: ${message}`);
  const answer = await sendConfigPush(url, secret, { commit, before }, process.env.USER ?? 'platform-team');
  out(`webhook answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  out(
    'watch the route: kubectl --kubeconfig .cache/sandbox/main/kubeconfig --context mc-gw-config-cluster -n store get httproute store -o yaml',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`gitops:push failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
