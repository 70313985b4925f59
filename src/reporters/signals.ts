// Promises resolved by events: the bridge between a pushed event stream and listr2 tasks, which
// pull (a task function awaits its step's start, its node's end). Waiting on something that will
// never happen (the run stopped, a rollback began) resolves with NOT_RUN instead of hanging.

export const NOT_RUN = Symbol('not-run');
export type Signal<T> = T | typeof NOT_RUN;

interface Slot<T> {
  promise: Promise<Signal<T>>;
  resolve: (v: Signal<T>) => void;
  settled: boolean;
}

export class SignalBoard<T> {
  private readonly slots = new Map<string, Slot<T>>();
  private readonly gone: ((key: string) => boolean)[] = [];

  private slot(key: string): Slot<T> {
    let s = this.slots.get(key);
    if (!s) {
      let resolve!: (v: Signal<T>) => void;
      const promise = new Promise<Signal<T>>((r) => (resolve = r));
      s = { promise, resolve, settled: false };
      this.slots.set(key, s);
      if (this.gone.some((m) => m(key))) this.fire(key, NOT_RUN);
    }
    return s;
  }

  wait(key: string): Promise<Signal<T>> {
    return this.slot(key).promise;
  }

  /** First resolution wins: a late duplicate event cannot rewrite what was shown. */
  fire(key: string, value: Signal<T>): void {
    const s = this.slot(key);
    if (s.settled) return;
    s.settled = true;
    s.resolve(value);
  }

  /** Resolves every pending and future wait whose key matches as NOT_RUN. */
  abandon(match: (key: string) => boolean = () => true): void {
    this.gone.push(match);
    for (const [key, s] of this.slots) if (!s.settled && match(key)) this.fire(key, NOT_RUN);
  }

  has(key: string): boolean {
    return this.slots.get(key)?.settled === true;
  }
}
