/**
 * Who is calling and what they may do. Roles are ordered: a role grants everything the roles
 * before it grant (viewer reads; operator also drains, restores and reconciles; admin also
 * onboards, offboards and changes configuration).
 */

/** The roles of the API, least privileged first. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** A role of the API. */
export type Role = (typeof ROLES)[number];

/** An authenticated caller. */
export interface Principal {
  /** Recorded on every operation: an email, `token:NAME`, or `slack:TEAM/USER`-mapped email. */
  id: string;
  role: Role;
  /** How the caller proved who they are. */
  via: 'api-token' | 'id-token' | 'slack';
}

/** True when `role` grants at least `required`. */
export function grants(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Parses a role name; undefined when it is not one. */
export function parseRole(value: string): Role | undefined {
  return (ROLES as readonly string[]).includes(value) ? (value as Role) : undefined;
}
