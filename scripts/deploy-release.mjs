// Points fleetpilot's four functions at a new artifact (cloudbuild.yaml's deploy step): patches only
// each function's build source (updateMask buildConfig.source), so Cloud Functions rebuilds it from
// that zip with `gcp-build` and rolls out a new revision, while Terraform keeps owning everything
// else. Waits for every operation and fails on the first error.
//
//   node scripts/deploy-release.mjs --project P --region R --prefix fleetpilot- --bucket B --object fleetpilot-SHA.zip [--bootstrap]
//
// --bootstrap: a function that does not exist yet is skipped (the first build, before
// `terraform apply -var source_object=...` creates the functions). Credentials: Application
// Default Credentials (the build's service account in Cloud Build).
import { parseArgs } from 'node:util';
import { GoogleAuth } from 'google-auth-library';

const { values: opt } = parseArgs({
  options: {
    project: { type: 'string' },
    region: { type: 'string' },
    prefix: { type: 'string', default: 'fleetpilot-' },
    bucket: { type: 'string' },
    object: { type: 'string' },
    bootstrap: { type: 'boolean', default: false },
  },
});
for (const name of ['project', 'region', 'bucket', 'object']) {
  if (!opt[name]) {
    process.stderr.write(`deploy-release: --${name} is required\n`);
    process.exit(2);
  }
}

const API = 'https://cloudfunctions.googleapis.com/v2';
const FUNCTIONS = ['cluster-lifecycle', 'health-alerts', 'git-push', 'tick'].map((f) => `${opt.prefix}${f}`);
const client = await new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient();
const say = (line) => process.stdout.write(`${line}\n`);

async function call(method, url, data) {
  try {
    return (await client.request({ method, url, data, retry: true })).data;
  } catch (error) {
    const status = error?.response?.status;
    const message = error?.response?.data?.error?.message ?? error.message;
    throw Object.assign(new Error(`${method} ${url}: ${status ?? ''} ${message}`), { status });
  }
}

async function deploy(name) {
  const resource = `projects/${opt.project}/locations/${opt.region}/functions/${name}`;
  const started = Date.now();
  let op;
  try {
    op = await call('PATCH', `${API}/${resource}?updateMask=buildConfig.source`, {
      buildConfig: { source: { storageSource: { bucket: opt.bucket, object: opt.object } } },
    });
  } catch (error) {
    if (error.status === 404 && opt.bootstrap) {
      say(`${name}: not created yet, skipped (terraform apply -var source_object=${opt.object} creates it)`);
      return;
    }
    throw error;
  }
  say(`${name}: building gs://${opt.bucket}/${opt.object} (${op.name})`);
  while (!op.done) {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    op = await call('GET', `${API}/${op.name}`);
  }
  if (op.error) throw new Error(`${name}: deploy failed: ${op.error.message} (code ${op.error.code})`);
  say(`${name}: deployed in ${Math.round((Date.now() - started) / 1000)} s`);
}

const results = await Promise.allSettled(FUNCTIONS.map(deploy));
const failed = results.filter((r) => r.status === 'rejected');
for (const f of failed) process.stderr.write(`${f.reason.message}\n`);
process.exit(failed.length ? 1 : 0);
