/**
 * Small request helpers shared by the double's routes.
 */
import type { Context } from 'hono';
import { GoogleApiError, invalidArgument } from './errors.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

/** 403 PERMISSION_DENIED unless `project` is the double's project id or number. */
export function requireProject(state: DoubleState, project: string): void {
  if (!state.isProject(project)) {
    throw new GoogleApiError(403, `Permission denied on resource project ${project}.`);
  }
}

/** A path parameter Hono guarantees by route shape. */
export function param(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}

/** Parses a JSON object body (400 INVALID_ARGUMENT otherwise); an empty body is `{}`. */
export async function readJsonObject(c: Context): Promise<JsonObject> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidArgument('Invalid JSON payload received.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArgument('Invalid JSON payload received. Expected an object.');
  }
  return parsed as JsonObject;
}

/** True when the caller asked for numeric enums (`$alt=json;enum-encoding=int`, as google-gax does). */
export function wantsIntEnums(c: Context): boolean {
  return c.req.query('$alt')?.includes('enum-encoding=int') ?? false;
}

/** Caller details recorded in audit entries. */
export function callerOf(c: Context): { userAgent?: string; callerIp?: string } {
  const userAgent = c.req.header('user-agent');
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  return {
    ...(userAgent !== undefined ? { userAgent } : {}),
    ...(forwarded !== undefined && forwarded !== '' ? { callerIp: forwarded } : {}),
  };
}

/** Parses `updateMask` (comma separated, required). */
export function updateMaskOf(c: Context): string[] {
  const mask = c.req.query('updateMask') ?? c.req.query('update_mask') ?? '';
  const paths = mask
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (paths.length === 0) throw invalidArgument('update_mask is required and must name at least one field.');
  return paths;
}

/** Reads a string→string map field (400 when it is not one). */
export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgument(`Invalid value for field "${field}".`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidArgument(`Invalid value for field "${field}.${k}": expected a string.`);
    out[k] = v;
  }
  return out;
}
