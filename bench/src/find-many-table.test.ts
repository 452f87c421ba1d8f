import { type FindManyFigures } from './find-many-bench';
import { printFindManyTable } from './find-many-table';

/** Three rounds: the middle one on a machine twice as busy, as a shared machine has them. */
const at = (median: number) => ({ median, p25: median - 1, p75: median + 1, samples: [median, 2 * median, median] });

const figures: FindManyFigures = {
  rows: 1000,
  fields: 3,
  peerLabel: 'peer',
  paths: [
    { label: 'peer plain', timing: at(10) },
    { label: 'peer', timing: at(200), plainLabel: 'peer plain', storedChars: 75 },
    { label: 'ours plain', timing: at(20) },
    { label: 'ours', timing: at(120), plainLabel: 'ours plain', cryptoLabel: 'ours crypto', storedChars: 52 },
    { label: 'ours crypto', timing: at(80) },
  ],
};

describe('printFindManyTable', () => {
  const lines = printFindManyTable(figures, () => undefined).split('\n');
  const row = (label: string) => lines.map((line) => line.split(/\s{2,}/)).find((cells) => cells[0] === label);

  it('divides each extension by the peer and by the plain query over its own rows', () => {
    expect(row('ours')).toEqual(['ours', '120.0', '119.0-121.0', '0.60x', '6.00x', '52 chars']);
    expect(row('peer')).toEqual(['peer', '200.0', '199.0-201.0', '20.00x', '75 chars']);
  });

  it('gives plain queries and crypto alone no ratios', () => {
    expect(row('ours plain')).toEqual(['ours plain', '20.0', '19.0-21.0']);
    expect(row('ours crypto')).toEqual(['ours crypto', '80.0', '79.0-81.0']);
  });

  it("states the walk's cost over the crypto: (120 - 20 - 80) / 80", () => {
    expect(lines).toContain('ours: walk + bookkeeping add 25% over its crypto');
  });

  it('states the spread of the per-round ratio to the peer: rounds 0.6, 0.6, 0.6', () => {
    expect(lines).toContain('ours: x peer per round, p25-p75 0.60-0.60x over 3 rounds');
    expect(lines.filter((line) => line.includes('x peer per round'))).toHaveLength(1);
  });
});
