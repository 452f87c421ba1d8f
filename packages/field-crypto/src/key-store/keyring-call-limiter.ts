/**
 * A bound on the keyring calls (KMS requests) a key store has in flight. A cold read across many
 * scopes needs one Decrypt per scope: a findMany over 1,000 users would otherwise start 1,000 KMS
 * requests at once, which queue behind the HTTP agent's sockets until the first ones time out, and
 * spend the account's request quota in a burst. Calls past the bound wait their turn, before their
 * request starts, so the SDK's request timeout measures the request and not the queue.
 */
export class KeyringCallLimiter {
  readonly #max: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  /** Runs `call` once fewer than `max` calls are in flight. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#active < this.#max) this.#active += 1;
    // A finishing call hands its slot straight to the next waiter, so no newcomer can slip in between.
    else await new Promise<void>((resume) => this.#waiting.push(resume));
    try {
      return await call();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}
