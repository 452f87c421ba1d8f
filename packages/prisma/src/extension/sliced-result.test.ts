import { withoutSlicing } from '@prisma-kms/field-crypto/internal/slicing';
import { buildScheme } from '../field-map';
import { fieldMap } from '../walker/__tests__/field-map.fixture';
import { collectReadTargets } from '../walker';
import { collectReadTargetsInSlices, setAtPathsInSlices } from './sliced-result';

const scheme = buildScheme(fieldMap);

/** Users as a findMany returns them, one in 50 with a post (a nested relation with encrypted fields). */
function users(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    name: `n${i}`,
    email: `e${i}`,
    phone: i % 3 === 0 ? null : `p${i}`,
    posts: i % 50 === 0 ? [{ id: i, title: `t${i}`, body: `b${i}` }] : [],
  }));
}

/** How many turns of the event loop other work got while `work` ran. */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  done = true;
  return turns;
}

describe('collectReadTargetsInSlices', () => {
  it('finds the same targets in the same order as collectReadTargets, paths shifted to each row, nested relations included', async () => {
    const rows = users(1_000);
    expect(await collectReadTargetsInSlices(scheme, 'User', 'findMany', {}, rows)).toEqual(collectReadTargets(scheme, 'User', 'findMany', {}, rows));
  });

  it('yields while it walks a long list, more than once, and not for a short one or a single row', async () => {
    const many = users(100_000);
    expect(await turnsDuring(() => collectReadTargetsInSlices(scheme, 'User', 'findMany', {}, many))).toBeGreaterThan(2);
    expect(await turnsDuring(() => collectReadTargetsInSlices(scheme, 'User', 'findMany', {}, users(10)))).toBe(0);
    expect(await turnsDuring(() => collectReadTargetsInSlices(scheme, 'User', 'findUnique', {}, users(1)[0]))).toBe(0);
  });
});

describe('the slice budget', () => {
  it("is field-crypto's: withoutSlicing makes the walk one stretch after its first yield, and the writing back one stretch", async () => {
    const many = users(100_000);
    const targets = collectReadTargets(scheme, 'User', 'findMany', {}, many);
    const plaintexts = targets.map(() => 'plain');
    // The first yield is one full turn of the loop: two setImmediate hops, at most two ticks of the chain.
    expect(await withoutSlicing(() => turnsDuring(() => collectReadTargetsInSlices(scheme, 'User', 'findMany', {}, many)))).toBeLessThanOrEqual(2);
    expect(await withoutSlicing(() => turnsDuring(() => setAtPathsInSlices(many, targets, plaintexts)))).toBe(0);
    expect(await turnsDuring(() => setAtPathsInSlices(many, targets, plaintexts))).toBeGreaterThan(0);
  });
});

describe('setAtPathsInSlices', () => {
  it('writes every value at its path', async () => {
    const rows = users(500);
    const targets = collectReadTargets(scheme, 'User', 'findMany', {}, rows);
    await setAtPathsInSlices(rows, targets, targets.map((target) => `plain ${target.stored}`));
    expect(rows[1]).toMatchObject({ name: 'plain n1', email: 'plain e1', phone: 'plain p1' });
    expect(rows[0]).toMatchObject({ phone: null });
    expect(collectReadTargets(scheme, 'User', 'findMany', {}, rows).every((target) => target.stored.startsWith('plain '))).toBe(true);
  });
});
