import { CappedCapture, type CapturedStream } from '../output-capture.ts';

export type { CapturedStream };

/**
 * One stream of one host: keeps up to `cap` bytes for the result and streams the same bytes live, line by line,
 * each line prefixed with the host (`web1: ...`), so the output of parallel hosts never interleaves mid-line.
 */
export class HostStreamCapture {
  readonly #capture: CappedCapture;
  #line = '';

  constructor(
    cap: number,
    private readonly prefix: string,
    private readonly emit: (text: string) => void,
  ) {
    this.#capture = new CappedCapture(cap, (text) => this.#lines(text));
  }

  get bytesTotal(): number {
    return this.#capture.bytesTotal;
  }

  push(chunk: Buffer): void {
    this.#capture.push(chunk);
  }

  #lines(text: string): void {
    const lines = (this.#line + text).split('\n');
    this.#line = lines.pop() ?? '';
    if (lines.length > 0) this.emit(lines.map((l) => `${this.prefix}${l}\n`).join(''));
  }

  finish(): CapturedStream {
    const captured = this.#capture.finish();
    if (this.#line !== '') {
      this.emit(`${this.prefix}${this.#line}\n`);
      this.#line = '';
    }
    return captured;
  }
}
