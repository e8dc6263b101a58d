/**
 * Action aliases over HTTP (st2's /v1/actionalias shapes where they exist):
 *   GET  /api/v1/actionalias[?pack=]                     registered aliases
 *   POST /api/v1/actionalias/match {command, formats?}    `squall alias match` JSON (200 also for no match)
 *   POST /api/v1/aliasexecution/match_and_execute {command, source_channel?}
 *        matches and runs as the caller (alias permissions + RBAC); 201 {execution, actionalias, message}
 */
import type { FastifyInstance } from 'fastify';
import { AliasParameterError, buildExecutionParameters, matchForCli } from '../../aliases/index.ts';
import { AliasIndex } from '../../bot/alias-index.ts';
import { webUrl } from '../../bot/live-results.ts';
import { decideAlias, isBotCommand } from '../../bot/permissions.ts';
import { executionView } from '../../bot/render/execution-view.ts';
import { renderAck } from '../../bot/render/result-message.ts';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';

function actionParameters(engine: Engine): Map<string, string[]> {
  return new Map(engine.actions().map((a) => [a.ref, Object.keys(a.parameters ?? {})]));
}

export async function registerAliasRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const index = new AliasIndex(engine);
  app.addHook('onClose', async () => index.close());

  app.get<{ Querystring: { pack?: string } }>('/api/v1/actionalias', async (request) =>
    engine.aliases().filter((a) => !request.query.pack || a.pack === request.query.pack),
  );

  app.post<{ Body: { command?: unknown; formats?: unknown } }>(
    '/api/v1/actionalias/match',
    async (request) => {
      const { command, formats } = request.body ?? {};
      if (typeof command !== 'string' || !command.trim())
        throw new EngineRequestError('body field "command" must be a non-empty string');
      if (formats !== undefined && !(Array.isArray(formats) && formats.every((f) => typeof f === 'string')))
        throw new EngineRequestError('body field "formats" must be a list of format strings');
      return matchForCli(engine.aliases(), command, {
        formats: formats as string[] | undefined,
        actionParameters: actionParameters(engine),
      });
    },
  );

  app.post<{ Body: { command?: unknown; source_channel?: unknown } }>(
    '/api/v1/aliasexecution/match_and_execute',
    async (request, reply) => {
      const principal = request.principal!;
      const command = request.body?.command;
      if (typeof command !== 'string' || !command.trim())
        throw new EngineRequestError('body field "command" must be a non-empty string');
      const channel = typeof request.body?.source_channel === 'string' ? request.body.source_channel : 'cli';
      const match = index.matcher.match(command);
      if (match.kind === 'no_match') {
        const hint = match.suggestions.length ? ` Did you mean: ${match.suggestions.join(' | ')}?` : '';
        throw new EngineRequestError(`${match.message}.${hint}`, 400);
      }
      if (match.kind === 'ambiguous')
        throw new EngineRequestError(
          `${match.message}: ${match.candidates.map((c) => `${c.alias.ref} (${c.representation})`).join(', ')}`,
        );
      const alias = match.alias;
      if (isBotCommand(alias))
        throw new EngineRequestError(
          `"${command}" is a chat command (${alias.ref}); use it in chat or \`squall chat\``,
        );
      const decision = decideAlias(
        alias,
        principal,
        { channel, identityKey: principal.user },
        {},
        engine.rbac,
      );
      if (!decision.allowed) throw new EngineRequestError(decision.reason, 403);
      const action = engine.getAction(alias.action_ref);
      const results = [];
      for (const extracted of match.paramSets) {
        let built: ReturnType<typeof buildExecutionParameters>;
        try {
          built = buildExecutionParameters(alias, extracted, action?.parameters);
        } catch (err) {
          if (err instanceof AliasParameterError) throw new EngineRequestError(err.message);
          throw err;
        }
        const execution = await engine.run(
          {
            action: alias.action_ref,
            parameters: { ...built.parameters, ...built.templated },
            untrustedParameters: built.untrustedParameters,
            context: {
              user: principal.user,
              api_user: principal.user,
              source_channel: channel,
              action_alias_ref: { name: alias.name, ref: alias.ref },
              authorization: { decision: 'allowed', reason: decision.reason, roles: principal.roles },
            },
          },
          principal,
        );
        const ack = renderAck(
          alias,
          executionView(execution, action, webUrl(engine, execution.id)),
          execution,
        );
        results.push({ execution, actionalias: { ref: alias.ref, name: alias.name }, message: ack?.text });
      }
      return reply.code(201).send({ results });
    },
  );
}
