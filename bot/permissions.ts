/**
 * May this principal use this alias here? Alias allow lists (`permissions: {users, roles, channels}`), pack
 * allow lists from configuration, the built-in shell aliases (admin only), then RBAC on the action.
 */
import type { Principal } from '../engine/auth/principal.ts';
import type { Rbac } from '../engine/auth/rbac.ts';
import type { AliasDefinition } from '../engine/model/alias.ts';
import type { AllowList, BotConfig } from './bot-config.ts';

export interface PermissionDecision {
  allowed: boolean;
  /** Why (recorded in the execution context and the audit log). */
  reason: string;
}

/** Built-in aliases onto these actions run arbitrary commands: admins only, whatever the roles allow. */
export const SHELL_ACTIONS: ReadonlySet<string> = new Set([
  'core.local',
  'core.local_sudo',
  'core.remote',
  'core.remote_sudo',
]);

export interface Where {
  channel: string;
  channelName?: string;
  /** Identity key of the chat user (allow lists may name it). */
  identityKey: string;
}

function channelForms(where: Where): string[] {
  const forms = [where.channel];
  if (where.channelName) forms.push(where.channelName, `#${where.channelName.replace(/^#/, '')}`);
  return forms;
}

function checkList(list: AllowList, principal: Principal, where: Where, what: string): string | undefined {
  if (list.channels?.length && !channelForms(where).some((c) => list.channels!.includes(c)))
    return `${what} may not be used in this channel`;
  const users = list.users ?? [];
  const roles = list.roles ?? [];
  if (users.length === 0 && roles.length === 0) return undefined;
  if (users.includes(principal.user) || users.includes(where.identityKey)) return undefined;
  if (roles.some((r) => principal.roles.includes(r))) return undefined;
  return `${what} is limited to ${[...users, ...roles.map((r) => `role ${r}`)].join(', ')}`;
}

export function decideAlias(
  alias: AliasDefinition,
  principal: Principal,
  where: Where,
  config: Pick<BotConfig, 'packPermissions'>,
  rbac: Rbac,
): PermissionDecision {
  if (alias.enabled === false) return { allowed: false, reason: `alias ${alias.ref} is disabled` };
  if (alias.builtin && SHELL_ACTIONS.has(alias.action_ref) && !principal.isAdmin)
    return { allowed: false, reason: `alias ${alias.ref} runs shell commands: admins only` };
  if (!principal.isAdmin) {
    const denied =
      (alias.permissions && checkList(alias.permissions, principal, where, `alias ${alias.ref}`)) ||
      (config.packPermissions?.[alias.pack] &&
        checkList(config.packPermissions[alias.pack]!, principal, where, `pack ${alias.pack}`));
    if (denied) return { allowed: false, reason: denied };
  }
  if (isBotCommand(alias)) return { allowed: true, reason: 'bot command' };
  if (!rbac.can(principal, 'run', alias.action_ref))
    return { allowed: false, reason: `user ${principal.user} may not run action ${alias.action_ref}` };
  return { allowed: true, reason: principal.isAdmin ? 'admin' : `roles ${principal.roles.join(',')}` };
}

/** Built-in aliases the bot answers itself (`extra.squall.command`), e.g. help, approve, deny, execution. */
export function botCommandOf(alias: AliasDefinition): string | undefined {
  if (!alias.builtin) return undefined;
  const squall = alias.extra?.squall as { command?: unknown } | undefined;
  return typeof squall?.command === 'string' ? squall.command : undefined;
}

export function isBotCommand(alias: AliasDefinition): boolean {
  return botCommandOf(alias) !== undefined;
}
