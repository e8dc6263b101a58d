import type { RbacConfig, RoleConfig } from '../config/engine-config.ts';
import { LOCAL_ADMIN_USER, type Principal, SYSTEM_USER } from './principal.ts';

export type Permission = 'run' | 'respond' | 'read' | 'admin';

const BUILTIN_ROLE_GRANTS: Record<string, Permission[]> = {
  admin: ['admin', 'run', 'respond', 'read'],
  operator: ['run', 'respond', 'read'],
  viewer: ['read'],
};

function matchesRef(patterns: string[], ref: string): boolean {
  return patterns.some((p) => p === '*' || p === ref || (p.endsWith('.*') && ref.startsWith(p.slice(0, -1))));
}

/**
 * Users, roles and what they may do. Deny by default: a user with no role may do nothing.
 * Built-in roles: admin (everything), operator (run actions, answer inquiries, read), viewer (read).
 * A role's `packs` / `actions` allow lists narrow which actions it may run.
 */
export class Rbac {
  readonly #config: RbacConfig;

  constructor(config: RbacConfig) {
    this.#config = config;
  }

  principal(user: string, extraRoles: string[] = []): Principal {
    const configured = this.#config.users[user]?.roles ?? [];
    const builtin = user === SYSTEM_USER || user === LOCAL_ADMIN_USER ? ['admin'] : [];
    const roles = [...new Set([...builtin, ...configured, ...extraRoles])];
    return { user, roles, isAdmin: roles.includes('admin') };
  }

  knowsUser(user: string): boolean {
    return user === SYSTEM_USER || user === LOCAL_ADMIN_USER || user in this.#config.users;
  }

  #role(name: string): { grants: Permission[]; config?: RoleConfig } {
    const config = this.#config.roles[name];
    const grants = config?.grants ?? BUILTIN_ROLE_GRANTS[name] ?? [];
    return { grants: grants.includes('admin') ? BUILTIN_ROLE_GRANTS.admin : grants, config };
  }

  /** May `principal` do `permission`, on `actionRef` when given (run/respond are narrowed by allow lists)? */
  can(principal: Principal, permission: Permission, actionRef?: string): boolean {
    if (principal.isAdmin) return true;
    for (const name of principal.roles) {
      const role = this.#role(name);
      if (!role.grants.includes(permission)) continue;
      if (!actionRef || permission === 'read') return true;
      const packs = role.config?.packs;
      const actions = role.config?.actions;
      if (!packs && !actions) return true;
      const pack = actionRef.split('.')[0];
      if (packs && (packs.includes('*') || packs.includes(pack))) return true;
      if (actions && matchesRef(actions, actionRef)) return true;
    }
    return false;
  }
}
