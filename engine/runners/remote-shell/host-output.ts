import { StringDecoder } from 'node:string_decoder';

export interface CapturedStream {
  text: string;
  truncated: boolean;
  bytesTotal: number;
}

/**
 * One stream of one host: keeps up to `cap` bytes for the result and streams the same bytes live, line by line,
 * each line prefixed with the host (`web1: ...`), so the output of parallel hosts never interleaves mid-line.
 */
export class HostStreamCapture {
  readonly #decoder = new StringDecoder('utf8');
  readonly #parts: string[] = [];
  #kept = 0;
  #line = '';
  bytesTotal = 0;

  constructor(
    private readonly cap: number,
    private readonly prefix: string,
    private readonly emit: (text: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.bytesTotal += chunk.length;
    if (this.#kept >= this.cap) return;
    const room = this.cap - this.#kept;
    const slice = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#kept += slice.length;
    this.#text(this.#decoder.write(slice));
  }

  #text(text: string): void {
    if (!text) return;
    this.#parts.push(text);
    const lines = (this.#line + text).split('\n');
    this.#line = lines.pop() ?? '';
    if (lines.length > 0) this.emit(lines.map((l) => `${this.prefix}${l}\n`).join(''));
  }

  finish(): CapturedStream {
    const truncated = this.bytesTotal > this.#kept;
    // A multi-byte character cut by the cap is dropped rather than turned into U+FFFD.
    if (!truncated) this.#text(this.#decoder.end());
    if (this.#line !== '') {
      this.emit(`${this.prefix}${this.#line}\n`);
      this.#line = '';
    }
    return { text: this.#parts.join(''), truncated, bytesTotal: this.bytesTotal };
  }
}
