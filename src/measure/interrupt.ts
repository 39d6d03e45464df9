/**
 * Ctrl-C during a measurement: the first SIGINT/SIGTERM aborts (the measurement stops at its next step
 * and destroys the lab it deployed); a second one exits at once.
 */
/**
 * A measurement stopped by Ctrl-C: no result is reported (a half-watched drill read "no route lost"),
 * and a sweep records the cell as not done so that a resumed sweep runs it again.
 */
export class Interrupted extends Error {
  constructor(what: string) {
    super(`${what} interrupted: no result (the fault, if any, was undone)`);
    this.name = 'Interrupted';
  }
}

/** Throw Interrupted when the signal has fired (call after every wait that the signal cuts short). */
export function throwIfInterrupted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new Interrupted(what);
}

export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`bgplab: ${sig}: stopping and cleaning up (again to quit at once)\n`);
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Parse a positive number option; throws a message naming the option and value. */
export function positiveNumber(name: string, v: string | undefined, fallback: number, opts: { integer?: boolean; min?: number } = {}): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  const min = opts.min ?? 0;
  if (!Number.isFinite(n) || n < min || (min === 0 && n <= 0) || (opts.integer && !Number.isInteger(n))) {
    throw new Error(`${name} ${JSON.stringify(v)}: must be ${opts.integer ? 'an integer' : 'a number'} ${min > 0 ? `>= ${min}` : '> 0'}`);
  }
  return n;
}
