// Validates infra/ offline against the real google provider's schema: builds a stand-in provider
// (tools/terraform-stub, Go, terraform-plugin-go) that serves the schema from
// ../shared/terraform/google-provider-7.45.0.schema.json.gz, installs it through a filesystem
// mirror as registry.terraform.io/hashicorp/google 7.45.0, then runs `terraform fmt -check`,
// `terraform init -backend=false`, `terraform validate` and `terraform plan` (computed attributes
// unknown, data sources with placeholder values) on a scratch copy of infra/, and writes the plan
// as JSON for the consistency test (.cache/infra-validate/plan.json). Prints each step and its time.
//
//   node scripts/validate-infra.mjs              every step
//   node scripts/validate-infra.mjs --plan-json  only refresh plan.json, skipped when its inputs are unchanged
//
// FLEETPILOT_GOOGLE_PROVIDER_SCHEMA overrides the schema file. Plain Node, no packages.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const infra = join(root, 'infra');
const stubSource = join(root, 'tools', 'terraform-stub');
const cache = join(root, '.cache');
const work = join(cache, 'infra-validate');
const planJson = join(work, 'plan.json');
const PROVIDER = { host: 'registry.terraform.io', namespace: 'hashicorp', type: 'google', version: '7.45.0' };
const planOnly = process.argv.includes('--plan-json');

// Values for the plan: every optional resource switched on, so all of infra/ is planned.
const PLAN_VARS = `project_id        = "fleetpilot-example"
gitops_repository = "example-org/fleet-config"
source_object     = "fleetpilot-0000000.zip"
services_image    = "us-central1-docker.pkg.dev/fleetpilot-example/fleetpilot/services:0000000"
alert_regions     = ["asia-northeast1", "asia-northeast2"]
cloudbuild_github = { owner = "example-org", name = "fleetpilot" }
slack_approvals_channel = "C0APPROVALS"
`;

const started = Date.now();
const timings = [];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const say = (line) => process.stdout.write(`${line}\n`);

function fail(message) {
  process.stderr.write(`\ninfra validate: ${message}\n`);
  if (timings.length) process.stderr.write(`steps run: ${timings.join(', ')}\n`);
  process.exit(1);
}

/** Runs a step, printing what it does and how long it took. */
async function step(name, fn) {
  say(`-- ${name}`);
  const t = Date.now();
  const result = await fn();
  const took = seconds(Date.now() - t);
  timings.push(`${name.split(/[:(]/)[0].trim()} ${took}`);
  say(`   (${took})`);
  return result;
}

/** Runs a command; its output is shown only on failure (or always, with `show`). */
function run(cmd, args, { cwd = root, env = {}, show = false } = {}) {
  const res = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (res.error) fail(`${cmd} could not be run: ${res.error.message}`);
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
  const where = cwd === root ? '.' : `${relative(root, cwd)}, a copy of infra/ (same file names and lines)`;
  if (res.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${res.status}) in ${where}:\n\n${output}\n`);
  if (show && output) say(output.replace(/^/gm, '   '));
  return res.stdout ?? '';
}

function findSchema() {
  const candidates = [
    process.env.FLEETPILOT_GOOGLE_PROVIDER_SCHEMA,
    join(root, '..', 'shared', 'terraform', 'google-provider-7.45.0.schema.json.gz'),
  ];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found)
    fail(
      `the google provider schema was not found (looked for ${candidates.filter(Boolean).join(', ')}); set FLEETPILOT_GOOGLE_PROVIDER_SCHEMA`,
    );
  return found;
}

function hashFiles(files, extra = '') {
  const h = createHash('sha256').update(extra);
  for (const f of files) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

function listFiles(dir, keep) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return e.name === '.terraform' ? [] : listFiles(p, keep);
      return keep(e.name) ? [p] : [];
    })
    .sort();
}

/** Builds the stand-in provider once per (module sums, sources, Go version, platform). */
async function buildStub() {
  const goVersion = run('go', ['env', 'GOVERSION']).trim();
  const [goos, goarch] = run('go', ['env', 'GOOS', 'GOARCH']).trim().split('\n');
  const sources = listFiles(stubSource, (n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum');
  const key = hashFiles(sources, `${goVersion} ${goos}/${goarch}`);
  const mirror = join(cache, 'terraform-stub', key, 'mirror');
  const platformDir = join(mirror, PROVIDER.host, PROVIDER.namespace, PROVIDER.type, PROVIDER.version, `${goos}_${goarch}`);
  const binary = join(platformDir, `terraform-provider-${PROVIDER.type}_v${PROVIDER.version}`);
  if (existsSync(binary)) {
    say(
      `   cached: .cache/terraform-stub/${key} (${goVersion}, ${goos}/${goarch}; key from tools/terraform-stub's go.mod, go.sum and sources)`,
    );
    return { mirror, key };
  }
  const env = { GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  say(`   not cached (key ${key}): downloading Go modules (terraform-plugin-go and its dependencies) ...`);
  let t = Date.now();
  run('go', ['mod', 'download'], { cwd: stubSource, env });
  say(`   modules ready in ${seconds(Date.now() - t)}; compiling with ${goVersion} ...`);
  t = Date.now();
  mkdirSync(platformDir, { recursive: true });
  const partial = `${binary}.partial`;
  await new Promise((resolve) => {
    const child = spawn('go', ['build', '-v', '-trimpath', '-o', partial, '.'], { cwd: stubSource, env: { ...process.env, ...env } });
    let compiled = 0;
    let output = '';
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const lines = String(chunk).split('\n').filter(Boolean).length;
      const before = compiled;
      compiled += lines;
      if (Math.floor(compiled / 25) > Math.floor(before / 25)) say(`   ... ${compiled} packages compiled (${seconds(Date.now() - t)})`);
    });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      if (code !== 0) fail(`go build of tools/terraform-stub failed (exit ${code}):\n${output}`);
      say(`   ${compiled} packages compiled in ${seconds(Date.now() - t)}`);
      resolve();
    });
  });
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  return { mirror, key };
}

function terraformEnv(mirror, schema) {
  const cliConfig = join(cache, 'terraform-stub', 'terraformrc');
  mkdirSync(dirname(cliConfig), { recursive: true });
  writeFileSync(
    cliConfig,
    `# Generated by scripts/validate-infra.mjs: the google provider comes only from the stand-in's mirror.
provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["${PROVIDER.host}/${PROVIDER.namespace}/${PROVIDER.type}"]
  }
}
`,
  );
  return {
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    TF_PLUGIN_CACHE_DIR: '',
    CHECKPOINT_DISABLE: '1',
    FLEETPILOT_GOOGLE_PROVIDER_SCHEMA: schema,
  };
}

/** A fresh copy of infra/'s Terraform files; the gcs backend is replaced by a local one there. */
function scratchCopy(dir) {
  rmSync(dir, { recursive: true, force: true });
  for (const file of listFiles(infra, (n) => n.endsWith('.tf'))) {
    const to = join(dir, relative(infra, file));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(file, to);
  }
  writeFileSync(join(dir, 'offline_override.tf'), '# offline validation: no remote state\nterraform {\n  backend "local" {}\n}\n');
  writeFileSync(join(dir, 'offline.tfvars'), PLAN_VARS);
}

const tfFiles = () => listFiles(infra, (n) => n.endsWith('.tf'));

async function main() {
  say(`infra validate: infra/ against the google provider ${PROVIDER.version} schema, offline`);
  const schema = await step('locate the provider schema', () => {
    const s = findSchema();
    say(`   ${relative(root, s)} (${(statSync(s).size / 1024 / 1024).toFixed(1)} MiB)`);
    return s;
  });
  const { mirror, key: stubKey } = await step('stand-in provider: build or reuse', buildStub);
  const env = terraformEnv(mirror, schema);
  const planKey = hashFiles(tfFiles(), `${stubKey} ${PLAN_VARS} ${hashFiles([schema])}`);
  const keyFile = join(work, 'plan.key');
  if (planOnly && existsSync(planJson) && existsSync(keyFile) && readFileSync(keyFile, 'utf8').trim() === planKey) {
    say(`plan.json is up to date (key ${planKey}): nothing to do`);
    return;
  }
  if (!planOnly) {
    await step('terraform fmt -check -recursive infra/', () =>
      run('terraform', ['fmt', '-check', '-recursive', '-diff', '-no-color', 'infra'], { env }),
    );
  }
  const dir = join(work, 'infra');
  mkdirSync(work, { recursive: true });
  rmSync(keyFile, { force: true });
  await step('terraform init -backend=false (provider from the filesystem mirror)', () => {
    scratchCopy(dir);
    run('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env });
    say(
      `   ${PROVIDER.host}/${PROVIDER.namespace}/${PROVIDER.type} ${PROVIDER.version} installed (stand-in); ${tfFiles().length} files in infra/`,
    );
  });
  await step('terraform validate', () => run('terraform', ['validate', '-no-color'], { cwd: dir, env, show: true }));
  await step('terraform plan (unknown computed values, placeholder data sources)', () => {
    run('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env });
    const out = run(
      'terraform',
      ['plan', '-input=false', '-refresh=false', '-lock=false', '-no-color', '-var-file=offline.tfvars', '-out=tfplan'],
      { cwd: dir, env },
    );
    say(`   ${out.split('\n').find((l) => l.startsWith('Plan:')) ?? 'no changes'}`);
    writeFileSync(planJson, run('terraform', ['show', '-json', 'tfplan'], { cwd: dir, env }));
    writeFileSync(keyFile, `${planKey}\n`);
    say(`   ${relative(root, planJson)} written for the consistency test`);
  });
}

await main();
say(`infra validate passed in ${seconds(Date.now() - started)} (${timings.join(', ')})`);
