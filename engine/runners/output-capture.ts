/**
 * One output stream of a process (local or remote): keeps up to `cap` bytes for the result, decodes them as
 * UTF-8 across chunk boundaries and hands the same text to `onText` as it arrives (live output).
 */
import { StringDecoder } from 'node:string_decoder';

export interface CapturedStream {
  text: string;
  truncated: boolean;
  bytesTotal: number;
}

export class CappedCapture {
  readonly #decoder = new StringDecoder('utf8');
  readonly #parts: string[] = [];
  #kept = 0;
  bytesTotal = 0;

  constructor(
    private readonly cap: number,
    private readonly onText: (text: string) => void,
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
    this.onText(text);
  }

  finish(): CapturedStream {
    const truncated = this.bytesTotal > this.#kept;
    // A multi-byte character cut by the cap is dropped rather than turned into U+FFFD.
    if (!truncated) this.#text(this.#decoder.end());
    return { text: this.#parts.join(''), truncated, bytesTotal: this.bytesTotal };
  }
}
