export { renderMessage, SLACK_LIMITS } from './block-kit.ts';
export { SlackAdapter, type SlackAdapterOptions } from './slack-adapter.ts';
export { createSlackAdapterFromConfig } from './slack-config.ts';
export { SLACK_EVENTS_PATH, slackEventsPlugin } from './slack-events-plugin.ts';
export { computeSlackSignature, SlackReplayCache, verifySlackSignature } from './slack-signature.ts';
