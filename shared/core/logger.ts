/**
 * Structured logging in the format Cloud Logging parses from stdout: one JSON object per line with
 * `severity`, a fixed `message` and key/value fields. Secrets are redacted before anything is written.
 */
import { redact } from './redact.ts';

/** Cloud Logging severities fleetpilot uses. */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

/** Key/value fields attached to a log line (resource, message id, operation id, ...). */
export type LogFields = Record<string, unknown>;

/** A structured logger; `child` binds fields that every later line carries. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Where each finished line goes; defaults to process.stdout. */
  write?: (line: string) => void;
  /** Lowest severity written. */
  level?: Severity;
  /** Fields bound to every line (component, instance id, ...). */
  fields?: LogFields;
  /** Clock for the `time` field. */
  now?: () => Date;
  /** `json` (default) for Cloud Logging; `text` for people watching a terminal. */
  format?: 'json' | 'text';
}

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4 };

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const min = ORDER[options.level ?? 'INFO'];
  const now = options.now ?? (() => new Date());
  const bound = options.fields ?? {};

  const emit = (severity: Severity, message: string, fields?: LogFields): void => {
    if (ORDER[severity] < min) return;
    const entry = redact({ severity, message, time: now().toISOString(), ...bound, ...fields });
    write(options.format === 'text' ? toText(entry) : JSON.stringify(entry, errorReplacer));
  };

  return {
    debug: (m, f) => emit('DEBUG', m, f),
    info: (m, f) => emit('INFO', m, f),
    notice: (m, f) => emit('NOTICE', m, f),
    warn: (m, f) => emit('WARNING', m, f),
    error: (m, f) => emit('ERROR', m, f),
    child: (fields) => createLogger({ ...options, write, now, fields: { ...bound, ...fields } }),
  };
}

/** A logger that writes nothing, for pure unit tests. */
export function silentLogger(): Logger {
  return createLogger({ write: () => undefined });
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.cause instanceof Error ? { cause: value.cause.message } : {}) };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function toText(entry: Record<string, unknown>): string {
  const { severity, message, time, ...fields } = entry;
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, errorReplacer)}`)
    .join(' ');
  return `${String(time).slice(11, 23)} ${String(severity).padEnd(7)} ${String(message)}${rest ? '  ' + rest : ''}`;
}
