/** The fake Slack for e2e tests: Web API + Socket Mode + response_url sink + signer + payload builders. */
export * from './slack/fake-slack.ts';
export * from './slack/payloads.ts';
export * from './slack/signer.ts';
