/**
 * An open-loop prober: starts one request every `intervalMs` on a fixed schedule, whatever the answers
 * do, and times each from the moment it was due. A closed loop (the next request after the previous
 * answer) would send one request while the event loop is blocked and then count the block once: it
 * would hide most of the stall it is meant to measure (coordinated omission). Requests due while the
 * loop was blocked all start late, and each counts its wait.
 */

/** A running prober: `stop()` ends the schedule, waits for the requests in flight and returns every latency (ms). */
export interface OpenLoopProbe {
  stop(): Promise<number[]>;
}

/**
 * Starts `request` every `intervalMs` ms from now until `stop()`.
 *
 * @example
 * const probe = startOpenLoopProbe(() => db.user.findUnique({ where: { id: 1 } }), 10);
 * await bigQuery();
 * const latencies = await probe.stop(); // one per 10 ms of bigQuery, blocked or not
 */
export function startOpenLoopProbe(request: () => Promise<unknown>, intervalMs: number): OpenLoopProbe {
  const started = performance.now();
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let fired = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failure: unknown;

  const tick = () => {
    const now = performance.now();
    for (let due = started + fired * intervalMs; due <= now; due = started + fired * intervalMs) {
      fired += 1;
      const one = request().then(
        () => void latencies.push(performance.now() - due),
        (e: unknown) => void (failure ??= e),
      );
      inFlight.add(one);
      void one.finally(() => inFlight.delete(one));
    }
    if (!stopped) timer = setTimeout(tick, Math.max(0, started + fired * intervalMs - performance.now()));
  };
  tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      tick(); // requests due while a block kept the timer from firing start now, each timed from when it was due
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      return latencies;
    },
  };
}
