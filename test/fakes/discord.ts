/** The fake Discord for e2e tests: REST v10 + gateway + HTTP-interaction signer + typed payload builders. */
export * from './discord/fake-discord.ts';
export * from './discord/payloads.ts';
export * from './discord/signer.ts';
