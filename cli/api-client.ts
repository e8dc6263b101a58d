import type { FastifyInstance } from 'fastify';

/** An API error as the CLI shows it: the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** How CLI commands reach live state: a running server over loopback HTTP, or an in-process engine. */
export interface ApiClient {
  readonly mode: 'server' | 'in-process';
  request<T = unknown>(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
  /** Reads an SSE endpoint until it ends, `onEvent` returns true, or `signal` aborts (then it resolves). */
  stream(url: string, onEvent: (event: SseEvent) => boolean | undefined, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

function faultOf(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { faultstring?: string; message?: string };
    return new ApiError(status, body.faultstring ?? body.message ?? text);
  } catch {
    return new ApiError(status, text || `HTTP ${status}`);
  }
}

function parseSse(
  buffer: string,
  onEvent: (e: SseEvent) => boolean | undefined,
): { rest: string; stop: boolean } {
  let rest = buffer;
  let index = rest.indexOf('\n\n');
  while (index >= 0) {
    const block = rest.slice(0, index);
    rest = rest.slice(index + 2);
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length && onEvent({ event, data: JSON.parse(data.join('\n')) })) return { rest, stop: true };
    index = rest.indexOf('\n\n');
  }
  return { rest, stop: false };
}

export class HttpApiClient implements ApiClient {
  readonly mode = 'server' as const;

  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async request<T>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await fetch(this.baseUrl + url, {
      method,
      headers: {
        'x-auth-token': this.token,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw faultOf(response.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async stream(
    url: string,
    onEvent: (event: SseEvent) => boolean | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const response = await fetch(this.baseUrl + url, {
        headers: { 'x-auth-token': this.token },
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw faultOf(response.status, await response.text());
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        const parsed = parseSse(buffer, onEvent);
        buffer = parsed.rest;
        if (parsed.stop) break;
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
    } finally {
      signal?.removeEventListener('abort', abort);
      controller.abort();
    }
  }

  async close(): Promise<void> {}
}

/** Runs requests against the API routes in this process (no socket), used when no server holds the data dir. */
export class InProcessApiClient implements ApiClient {
  readonly mode = 'in-process' as const;

  constructor(
    readonly app: FastifyInstance,
    readonly token: string,
    readonly onClose: () => Promise<void>,
    /** Called once the API listens on loopback (to follow a stream): other CLI commands may then come in. */
    readonly onListening: (port: number) => void = () => {},
  ) {}

  async request<T>(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await this.app.inject({
      method: method as 'GET',
      url,
      headers: {
        'x-auth-token': this.token,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      payload: body !== undefined ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
    });
    if (response.statusCode >= 400) throw faultOf(response.statusCode, response.body);
    return (response.body ? JSON.parse(response.body) : undefined) as T;
  }

  async stream(
    url: string,
    onEvent: (event: SseEvent) => boolean | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    // SSE over inject would wait for the end of the stream; listen on an ephemeral loopback port instead.
    if (!this.app.server.listening) {
      await this.app.listen({ host: '127.0.0.1', port: 0 });
      this.onListening((this.app.server.address() as { port: number }).port);
    }
    const address = this.app.server.address() as { port: number };
    await new HttpApiClient(`http://127.0.0.1:${address.port}`, this.token).stream(url, onEvent, signal);
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}
