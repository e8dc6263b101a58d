/**
 * Chat identity → Squall principal. Exact identity keys map to Squall users; role mappings (exact key,
 * workspace wildcard, platform role) add roles; an unmapped user acts as its own identity key when some role
 * applies (mapping or `defaultRole`), and is refused otherwise.
 */
import { LOCAL_ADMIN_USER, type Principal } from '../engine/auth/principal.ts';
import type { Rbac } from '../engine/auth/rbac.ts';
import type { BotConfig } from './bot-config.ts';
import type { ChatIdentity } from './chat-adapter.ts';

export type IdentityResolution =
  | {
      ok: true;
      key: string;
      principal: Principal;
      via: 'identity' | 'role_mapping' | 'default_role' | 'builtin';
    }
  | { ok: false; key: string };

/** `slack:T1:U2`, or `console:local` where there is no workspace. */
export function identityKey(identity: Pick<ChatIdentity, 'adapter' | 'workspace' | 'userId'>): string {
  return identity.workspace
    ? `${identity.adapter}:${identity.workspace}:${identity.userId}`
    : `${identity.adapter}:${identity.userId}`;
}

/** The console speaks as the local admin unless configured otherwise. */
const BUILTIN_IDENTITIES: Record<string, string> = { 'console:local': LOCAL_ADMIN_USER };

export function mappedRoles(config: BotConfig, identity: ChatIdentity, key: string): string[] {
  const mappings = config.roleMappings;
  if (!mappings) return [];
  const patterns = [
    key,
    identity.workspace ? `${identity.adapter}:${identity.workspace}:*` : `${identity.adapter}:*`,
  ];
  for (const role of identity.platformRoles ?? []) {
    patterns.push(
      identity.workspace
        ? `${identity.adapter}:${identity.workspace}:role:${role}`
        : `${identity.adapter}:role:${role}`,
    );
  }
  const roles = new Set<string>();
  for (const p of patterns) for (const r of mappings[p] ?? []) roles.add(r);
  return [...roles];
}

export function resolveIdentity(config: BotConfig, rbac: Rbac, identity: ChatIdentity): IdentityResolution {
  const key = identityKey(identity);
  const extra = mappedRoles(config, identity, key);
  const configured = Object.hasOwn(config.identities, key) ? config.identities[key] : undefined;
  if (configured) return { ok: true, key, principal: rbac.principal(configured, extra), via: 'identity' };
  const builtin = BUILTIN_IDENTITIES[key];
  if (builtin) return { ok: true, key, principal: rbac.principal(builtin, extra), via: 'builtin' };
  if (extra.length > 0) return { ok: true, key, principal: rbac.principal(key, extra), via: 'role_mapping' };
  if (config.defaultRole)
    return { ok: true, key, principal: rbac.principal(key, [config.defaultRole]), via: 'default_role' };
  return { ok: false, key };
}
