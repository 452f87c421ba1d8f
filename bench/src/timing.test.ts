import { median, pairedRatio, quantile, timeInterleaved, type Timing } from './timing';

describe('quantile', () => {
  it('interpolates between neighbours and agrees with the median', () => {
    const values = [40, 10, 30, 20];
    expect(quantile(values, 0)).toBe(10);
    expect(quantile(values, 1)).toBe(40);
    expect(quantile(values, 0.25)).toBe(17.5);
    expect(quantile(values, 0.75)).toBe(32.5);
    expect(median(values)).toBe(25);
    expect(median([3, 1, 2])).toBe(2);
  });

  it('is NaN for no values', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('timeInterleaved', () => {
  it('runs every operation once per round, warm-up included, in turn, and summarises each', async () => {
    const order: string[] = [];
    const timings = await timeInterleaved(
      {
        a: async () => void order.push('a'),
        b: async () => void order.push('b'),
      },
      3,
      1,
    );
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    for (const timing of Object.values(timings)) {
      expect(timing.p25).toBeLessThanOrEqual(timing.median);
      expect(timing.median).toBeLessThanOrEqual(timing.p75);
    }
  });
});

describe('pairedRatio', () => {
  const timing = (samples: number[]): Timing => ({ median: median(samples), p25: NaN, p75: NaN, samples });

  it('divides round by round, so one busy round does not skew the ratio as a quotient of medians does', () => {
    const peer = timing([100, 200, 1000]);
    const ours = timing([60, 1200, 600]); // round 3 was busy for both; round 2 slowed ours alone
    expect(pairedRatio(ours, peer)).toBeCloseTo(0.6);
    expect(ours.median / peer.median).toBe(3);
  });
});
