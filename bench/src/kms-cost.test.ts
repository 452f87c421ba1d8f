import { AWS_KMS, extrapolate, requestCostUsd } from './kms-cost';

describe('requestCostUsd', () => {
  it('prices symmetric requests per 10,000', () => {
    expect(requestCostUsd(10_000)).toBeCloseTo(AWS_KMS.usdPer10kRequests);
    expect(requestCostUsd(10_000_000)).toBeCloseTo(30);
  });
});

describe('extrapolate', () => {
  const perUser = { rowsPerScope: 1, materialBytesPerScope: 750, tableBytesPerScope: 1000, creationRequestsPerScope: 1, cacheBytesPerEntry: 2000 };

  it('multiplies the per-scope figures by the scopes', () => {
    const x = extrapolate(perUser, 10_000_000, 10 * 60_000);
    expect(x).toMatchObject({ rows: 10_000_000, materialBytes: 7.5e9, tableBytes: 1e10, creationRequests: 10_000_000, cacheBytesAllHot: 2e10 });
    expect(x.creationUsd).toBeCloseTo(30);
  });

  it('prices one Decrypt per scope per TTL window for a process that reads every scope', () => {
    const x = extrapolate(perUser, 10_000_000, 10 * 60_000);
    expect(x.decryptsPerProcessPerTtl).toBe(10_000_000);
    // 10M over 600 s = 16,667/s against a 10,000/s quota
    expect(x.quotaShareOverTtl).toBeCloseTo(10_000_000 / 600 / 10_000);
    // 4,320 ten-minute windows in 30 days
    expect(x.usdPerProcessMonthAllHot).toBeCloseTo(requestCostUsd(10_000_000 * 4320));
    // a longer TTL means fewer windows, so fewer calls
    expect(extrapolate(perUser, 10_000_000, 60 * 60_000).usdPerProcessMonthAllHot).toBeCloseTo(x.usdPerProcessMonthAllHot / 6);
  });
});
