// Runs the test suite's stages in order, printing what each does and how long it took, and stops
// at the first failing stage with its exit code. Plain Node: `npm test` and CI run it.
import { spawnSync } from 'node:child_process';

// A stage is [name, bin, args]: `npx --no-install bin ...args`, or with { direct: true } the command itself.
const node22 = (...command) => [process.execPath, ['scripts/node22.mjs', ...command], { direct: true }];
const stages = [
  ['typecheck', 'tsc', ['--noEmit', '-p', 'tsconfig.json']],
  ['lint', 'eslint', ['.']],
  ['format check', 'prettier', ['--check', '--log-level=warn', '.']],
  ['infra validate (terraform fmt, init, validate, plan against the google provider schema)', 'node', ['scripts/validate-infra.mjs']],
  // The deployed runtime is Node 22: build and run the artifact on it (scripts/node22.mjs fetches it once).
  ['build on Node 22', ...node22('npm', 'run', 'build')],
  ['built artifact on Node 22', ...node22('npx', '--no-install', 'vitest', 'run', '--project', 'unit', 'test/unit/built-artifact.test.ts')],
  ["build on this machine's Node", 'npm', ['run', 'build'], { direct: true }],
  // istiod for the mesh contract test: built from the istio.io/istio module once, then cached in .cache/istiod.
  ['istiod build (Go, cached; several minutes the first time)', 'tsx', ['sandbox/istiod-build.ts']],
  ['tests (unit, then contract against the local sandbox)', 'vitest', ['run', ...process.argv.slice(2)]],
];

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const started = Date.now();
const timings = [];
for (const [name, bin, args, { direct = false } = {}] of stages) {
  process.stdout.write(`\n== ${name}: ${bin === process.execPath ? 'node' : bin} ${args.join(' ')}\n`);
  const t = Date.now();
  const run = direct ? spawnSync(bin, args, { stdio: 'inherit' }) : spawnSync('npx', ['--no-install', bin, ...args], { stdio: 'inherit' });
  timings.push(`${name}: ${seconds(Date.now() - t)}`);
  process.stdout.write(`== ${name} took ${seconds(Date.now() - t)}\n`);
  if (run.status !== 0) {
    process.stdout.write(`\n== stage "${name}" failed (exit ${run.status ?? run.signal}); stages run: ${timings.join(', ')}\n`);
    process.exit(run.status ?? 1);
  }
}
process.stdout.write(`\n== all stages passed in ${seconds(Date.now() - started)} (${timings.join(', ')})\n`);
