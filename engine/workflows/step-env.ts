/**
 * What a workflow step reads from outside the workflow state: the values the runtime's expression functions
 * return (st2kv), random numbers (YAQL random(), the Jinja random filter) and the clock. A live step records
 * them; replaying the step's journal row plays the same values back, so the replayed state equals the live one
 * even when the datastore or the time changed since.
 */
import { ExpressionError, type ExpressionFunction } from '../expressions/index.ts';

/** One function call of a step: the value it returned or the error it threw. */
export interface RecordedCall {
  /** Function name. */
  f: string;
  v?: unknown;
  /** Error message (the call threw). */
  e?: string;
  /** Error name, and whether it was an expression error (how the evaluator words it depends on that). */
  n?: string;
  x?: 1;
  l?: 'jinja' | 'yaql';
}

export interface StepEnv {
  call(name: string, args: unknown[]): unknown;
  /** Milliseconds since the epoch, the same for the whole step. */
  now(): number;
  random(): number;
}

const realRandom = Math.random;
const RANDOM = 'Math.random';

/**
 * Runs a step (synchronous code) with Math.random drawing through the env: expression libraries call it
 * directly, and a replay must draw the same numbers.
 */
export function withStepEnv<T>(env: StepEnv, fn: () => T): T {
  const previous = Math.random;
  Math.random = () => env.random();
  try {
    return fn();
  } finally {
    Math.random = previous;
  }
}

/** Calls the real functions and records what they returned. */
export class LiveEnv implements StepEnv {
  readonly calls: RecordedCall[] = [];
  time?: number;
  readonly #functions: Record<string, ExpressionFunction>;

  constructor(functions: Record<string, ExpressionFunction>) {
    this.#functions = functions;
  }

  call(name: string, args: unknown[]): unknown {
    const fn = this.#functions[name];
    if (!fn) throw new ExpressionError(`The function "${name}" is not available.`);
    try {
      const v = fn(...args);
      this.calls.push(v === undefined ? { f: name } : { f: name, v });
      return v;
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const call: RecordedCall = { f: name, e: e.message, n: e.name };
      if (e instanceof ExpressionError) {
        call.x = 1;
        if (e.language) call.l = e.language;
      }
      this.calls.push(call);
      throw error;
    }
  }

  now(): number {
    this.time ??= Date.now();
    return this.time;
  }

  random(): number {
    const v = realRandom();
    this.calls.push({ f: RANDOM, v });
    return v;
  }
}

/** Plays back the calls and time of a recorded step, in order. */
export class ReplayEnv implements StepEnv {
  readonly #calls: readonly RecordedCall[];
  readonly #time?: number;
  #next = 0;

  constructor(recorded: { x?: RecordedCall[]; t?: number }) {
    this.#calls = recorded.x ?? [];
    this.#time = recorded.t;
  }

  call(name: string, _args: unknown[]): unknown {
    const call = this.#calls[this.#next];
    if (!call || call.f !== name) {
      // The state replayed differs from the one recorded: a bug, never a datastore read at replay time.
      throw new ExpressionError(`Workflow replay: no recorded value for ${name}() here.`);
    }
    this.#next++;
    if (call.e === undefined) return call.v;
    const error = call.x ? new ExpressionError(call.e, undefined, call.l) : new Error(call.e);
    if (call.n) error.name = call.n;
    throw error;
  }

  now(): number {
    return this.#time ?? Date.now();
  }

  random(): number {
    const call = this.#calls[this.#next];
    if (call?.f !== RANDOM || typeof call.v !== 'number') return realRandom();
    this.#next++;
    return call.v;
  }
}
