/**
 * A Bolt Receiver for HTTP mode that owns no port: Squall's fastify server verifies the request (see
 * slack-events-plugin.ts) and hands the parsed body here; the listener's `ack()` body becomes the HTTP response.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../../engine/log/logger.ts';

export interface SlackHttpResponse {
  status: number;
  body: string;
  contentType?: string;
}

/** Slack gives up after 3 s; answer a little before so it does not retry a request we are handling. */
const ACK_DEADLINE_MS = 2500;

export class SlackHttpReceiver implements Receiver {
  #app?: App;
  #stopped = false;

  constructor(private readonly logger: Logger) {}

  init(app: App): void {
    this.#app = app;
  }

  /** Fastify owns the port: nothing to start. */
  start(): Promise<void> {
    this.#stopped = false;
    return Promise.resolve();
  }

  /** After stop, requests are refused (503) so Slack retries them against a running instance. */
  stop(): Promise<void> {
    this.#stopped = true;
    return Promise.resolve();
  }

  /** Runs `body` through Bolt; resolves with the HTTP answer as soon as a listener acks (work continues). */
  dispatch(
    body: Record<string, unknown>,
    options: { retryNum?: number; retryReason?: string } = {},
  ): Promise<SlackHttpResponse> {
    const app = this.#app;
    if (!app || this.#stopped) return Promise.resolve({ status: 503, body: '' });
    return new Promise<SlackHttpResponse>((resolve) => {
      let answered = false;
      const answer = (response: SlackHttpResponse) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(response);
      };
      const timer = setTimeout(() => {
        this.logger.warn(
          { component: 'slack' },
          'Slack request not acknowledged within 2.5 s: answering 200',
        );
        answer({ status: 200, body: '' });
      }, ACK_DEADLINE_MS);
      const event: ReceiverEvent = {
        body,
        ...(options.retryNum !== undefined ? { retryNum: options.retryNum } : {}),
        ...(options.retryReason ? { retryReason: options.retryReason } : {}),
        ack: async (response?: unknown) => {
          if (answered) return;
          if (response === undefined || response === null || response === '')
            answer({ status: 200, body: '' });
          else if (typeof response === 'string')
            answer({ status: 200, body: response, contentType: 'text/plain; charset=utf-8' });
          else
            answer({
              status: 200,
              body: JSON.stringify(response),
              contentType: 'application/json; charset=utf-8',
            });
        },
      };
      app
        .processEvent(event)
        .then(() => answer({ status: 200, body: '' }))
        .catch((err: unknown) => {
          this.logger.warn(
            { component: 'slack', err: (err as Error)?.message },
            'Slack request handling failed',
          );
          answer({ status: 500, body: '' });
        });
    });
  }
}
