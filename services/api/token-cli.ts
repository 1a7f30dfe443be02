/**
 * `npm run api:token -- --principal NAME --role viewer|operator|admin [--label TEXT]` creates an
 * API token and prints it once (only its hash is stored); `--revoke TOKEN` revokes one. Uses the
 * same environment as the services (FLEETPILOT_PROJECT_ID, FIRESTORE_EMULATOR_HOST…).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createGcpAdapters } from '../../shared/adapters/gcp.ts';
import { ConfigError, loadEnv } from '../../shared/config/env.ts';
import { systemClock } from '../../shared/core/clock.ts';
import { createLogger } from '../../shared/core/logger.ts';
import { parseRole, ROLES } from './principal.ts';
import { createApiToken, revokeApiToken } from './tokens.ts';

/** Runs the command; returns the exit code. */
export async function tokenCli(argv: string[], env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { principal: { type: 'string' }, role: { type: 'string' }, label: { type: 'string' }, revoke: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    out(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const role = values.role === undefined ? undefined : parseRole(values.role);
  if (!values.revoke && (!values.principal || !/^[^\s]{1,200}$/.test(values.principal) || !role)) {
    out(`usage: npm run api:token -- --principal NAME --role ${ROLES.join('|')} [--label TEXT]   or   --revoke TOKEN`);
    return 2;
  }
  const log = createLogger({ level: 'WARNING' });
  let adapters;
  try {
    adapters = await createGcpAdapters(loadEnv(env), { clock: systemClock, log });
  } catch (error) {
    out(error instanceof ConfigError ? error.message : `error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    if (values.revoke) {
      out((await revokeApiToken(adapters.store, systemClock, values.revoke)) ? 'revoked' : 'no such token');
      return 0;
    }
    const { token, id } = await createApiToken(adapters.store, systemClock, {
      principal: values.principal!,
      role: role!,
      ...(values.label ? { label: values.label } : {}),
    });
    out(`token for ${values.principal} (${role}), id ${id}; shown once, only its hash is stored:`);
    out(token);
    return 0;
  } finally {
    await adapters.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void tokenCli(process.argv.slice(2), process.env, (line) => process.stdout.write(line + '\n')).then((code) => {
    process.exitCode = code;
  });
}
