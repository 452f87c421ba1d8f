import { startOpenLoopProbe } from './open-loop-probe';

/** Holds the event loop, as an unsliced batch of synchronous work would. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('startOpenLoopProbe', () => {
  it('counts every request due during a block, each timed from when it was due, not one request per block', async () => {
    const probe = startOpenLoopProbe(() => Promise.resolve(), 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    block(200); // then stop at once: the timer never fires after the block
    const latencies = await probe.stop();
    // about 44 requests were due in 220 ms; the ones due at the block's start waited about 200 ms
    expect(latencies.length).toBeGreaterThanOrEqual(40);
    expect(Math.max(...latencies)).toBeGreaterThanOrEqual(190);
    expect(latencies.filter((ms) => ms > 100).length).toBeGreaterThanOrEqual(15);
  });

  it('rejects stop() with a failed request', async () => {
    const probe = startOpenLoopProbe(() => Promise.reject(new Error('probe failed')), 5);
    await new Promise((resolve) => setTimeout(resolve, 12));
    await expect(probe.stop()).rejects.toThrow('probe failed');
  });
});
