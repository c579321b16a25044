import { DomainError } from './errors.js';

/** People's roles, each including the ones before it. */
export const ROLES = ['viewer', 'technician', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Internal callers: a saga acts with a technician's rights on its steps. */
const INTERNAL: Record<string, Role> = { saga: 'technician' };

const rank = (role: string): number => ROLES.indexOf((INTERNAL[role] ?? role) as Role);

export const hasRole = (roles: readonly string[], required: Role): boolean => roles.some((role) => rank(role) >= rank(required));

export class ForbiddenError extends DomainError {
  constructor(required: Role) {
    super('FORBIDDEN', `this needs the ${required} role`, { requiredRole: required });
  }
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
