/**
 * `npm run config:schema > fleet.schema.json`: prints the fleet configuration's JSON Schema for
 * editors (for example with a `# yaml-language-server: $schema=fleet.schema.json` line).
 */
import { fleetConfigJsonSchema } from './fleet-config.ts';

process.stdout.write(JSON.stringify(fleetConfigJsonSchema(), null, 2) + '\n');
