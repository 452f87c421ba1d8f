import fc from 'fast-check';
import { normalize, NORMALIZATION_STEPS, unsafeIdentifierProblem, type NormalizationStep } from './normalize';
import { BlindIndexError } from './errors';

const ALL: NormalizationStep[] = ['trim', 'lowercase', 'nfkc', 'diacritics'];

describe('normalize', () => {
  test('no steps: the value is returned unchanged, even when not in any normal form', () => {
    const decomposed = 'Cafe\u0301 ';
    expect(normalize(decomposed, [])).toBe(decomposed);
  });

  test('trim removes leading and trailing Unicode white space only', () => {
    expect(normalize(' \t a b \n\u00a0\u3000', ['trim'])).toBe('a b');
  });

  test('lowercase is locale independent (I -> i, not the Turkish dotless ı)', () => {
    expect(normalize('ISTANBUL', ['lowercase'])).toBe('istanbul');
    expect(normalize('ÉCOLE', ['lowercase'])).toBe('école');
  });

  test('nfkc folds compatibility characters: ligatures, fullwidth letters, superscripts', () => {
    expect(normalize('ﬁle', ['nfkc'])).toBe('file');
    expect(normalize('ＡＢＣ１２３', ['nfkc'])).toBe('ABC123');
    expect(normalize('x²', ['nfkc'])).toBe('x2');
  });

  test('nfkc makes composed and decomposed forms of the same letter equal', () => {
    expect(normalize('e\u0301', ['nfkc'])).toBe(normalize('\u00e9', ['nfkc']));
  });

  test('diacritics strips accents from composed and decomposed letters and keeps the base letter', () => {
    expect(normalize('é', ['diacritics'])).toBe('e');
    expect(normalize('e\u0301', ['diacritics'])).toBe('e');
    expect(normalize('Zoë Ångström Ñandú çà', ['diacritics'])).toBe('Zoe Angstrom Nandu ca');
  });

  test('diacritics and lowercase together turn the Turkish İ into a plain i', () => {
    expect(normalize('İ', ['diacritics', 'lowercase'])).toBe('i');
    // lowercase alone keeps the combining dot that Unicode's lowercase mapping produces
    expect(normalize('İ', ['lowercase'])).toBe('i\u0307');
  });

  test('all steps: an email typed in different ways normalizes to one string', () => {
    const forms = ['  Zoë@Example.com', 'zoe\u0308@example.com ', 'ＺＯＥ@ＥＸＡＭＰＬＥ.ＣＯＭ', 'ZOË@EXAMPLE.COM\u00a0'];
    for (const form of forms) expect(normalize(form, ALL)).toBe('zoe@example.com');
  });

  test('trim runs last: spaces produced by nfkc (ideographic and no-break spaces) are trimmed too', () => {
    expect(normalize('\u2003a\u3000', ['nfkc', 'trim'])).toBe('a');
  });

  test('the order steps are listed in does not change the result', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.shuffledSubarray(ALL), (value, steps) => {
        expect(normalize(value, steps)).toBe(normalize(value, [...steps].reverse()));
      }),
    );
  });

  test('normalizing twice gives the same string as once, for any Unicode input and any steps', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.subarray(ALL), (value, steps) => {
        const once = normalize(value, steps);
        expect(normalize(once, steps)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  // Code points that some step changes; every other code point is left as it is by every step.
  const CHANGING: string[] = [];
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint++) {
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
    const c = String.fromCodePoint(codePoint);
    if (c.normalize('NFKC') !== c || c.normalize('NFD') !== c || c.toLowerCase() !== c || c.trim() !== c || /\p{Mn}/u.test(c)) CHANGING.push(c);
  }
  const SUBSETS = Array.from({ length: 15 }, (_, mask) => ALL.filter((_step, i) => ((mask + 1) >> i) & 1));

  test.each(SUBSETS.map((steps) => [steps.join('+'), steps] as const))('idempotent on every Unicode code point alone: %s', (_name, steps) => {
    expect(CHANGING.length).toBeGreaterThan(5000);
    const unstable = CHANGING.filter((c) => {
      const once = normalize(c, steps);
      return normalize(once, steps) !== once;
    });
    expect(unstable).toEqual([]);
  });

  test('the canonical order is the one the field map documents', () => {
    expect(NORMALIZATION_STEPS).toEqual(['nfkc', 'diacritics', 'lowercase', 'trim', 'identifier']);
  });
});

/**
 * Issue 9, finding 5: look-alike identifiers must not merge on a unique blind index. Each row: a
 * value, the legitimate value it would merge with, and the steps that merge them.
 */
describe('which values each normalization merges (docs/blind-indexes.md lists the same)', () => {
  it.each([
    ['\u212Aate@corp.com (KELVIN SIGN)', '\u212Aate@corp.com', 'kate@corp.com', ['lowercase'] as NormalizationStep[]],
    ['\u212Aate@corp.com (KELVIN SIGN)', '\u212Aate@corp.com', 'Kate@corp.com', ['nfkc'] as NormalizationStep[]],
    ['kate@corp.com + U+3000', 'kate@corp.com\u3000', 'kate@corp.com', ['trim'] as NormalizationStep[]],
    ['o\uFB03ce (ﬃ ligature)', 'o\uFB03ce', 'office', ['nfkc'] as NormalizationStep[]],
    ['が', 'が', 'か', ['diacritics'] as NormalizationStep[]],
    ['Cyrillic/Latin: none merge (distinct entries, a display spoof only)', 'kаte', 'kаte', ['nfkc', 'diacritics', 'lowercase', 'trim'] as NormalizationStep[]],
  ])('%s merges under the step(s) shown', (_name, lookAlike, original, steps) => {
    expect(normalize(lookAlike, steps)).toBe(normalize(original, steps));
  });
});

describe('normalize: [identifier]', () => {
  test('folds ASCII letters only, and is idempotent', () => {
    expect(normalize('Kate.Smith+News@Corp.COM', ['identifier'])).toBe('kate.smith+news@corp.com');
    expect(normalize('kate.smith+news@corp.com', ['identifier'])).toBe('kate.smith+news@corp.com');
    expect(normalize('josé@exemple.fr', ['identifier'])).toBe('josé@exemple.fr');
    expect(normalize('山田@例え.jp', ['identifier'])).toBe('山田@例え.jp');
    expect(normalize('が', ['identifier'])).toBe('が'); // kept as it is: never merged with か
  });

  test.each([
    ['KELVIN SIGN', '\u212Aate@corp.com', 'nfkc'],
    ['a ligature', 'o\uFB03ce@corp.com', 'nfkc'],
    ['fullwidth letters', 'ＫＡＴＥ@corp.com', 'nfkc'],
    ['a decomposed accent', 'jose\u0301@corp.com', 'nfkc'],
    ['an upper-case non-ASCII letter', 'JOSÉ@corp.com', 'case-folding'],
    ['sharp s (folds to ss)', 'straße@corp.com', 'case-folding'],
    ['dotless i', 'kıte@corp.com', 'case-folding'],
    ['final sigma', 'σς@corp.com', 'case-folding'],
    ['an ideographic space', 'kate@corp.com\u3000', 'invisible-or-space'],
    ['an ASCII space', 'kate @corp.com', 'invisible-or-space'],
    ['a zero-width space', 'ka\u200Bte@corp.com', 'invisible-or-space'],
    ['a right-to-left mark', 'kate@corp.com\u200F', 'invisible-or-space'],
    ['a soft hyphen', 'ka\u00ADte@corp.com', 'invisible-or-space'],
    ['a control character', 'kate\u0000@corp.com', 'invisible-or-space'],
  ])('refuses %s with a BlindIndexError (UNSAFE_IDENTIFIER) that does not carry the value', (_name, value, problem) => {
    expect(unsafeIdentifierProblem(value)).toBe(problem);
    let error: unknown;
    try {
      normalize(value, ['identifier']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BlindIndexError);
    expect(error).toMatchObject({ reason: 'UNSAFE_IDENTIFIER', code: 'PRISMA_KMS_ENCRYPTION_FAILED' });
    expect((error as Error).message).not.toContain(value);
  });

  test('two distinct accepted identifiers share an index entry only when they differ in ASCII case', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }), (a, b) => {
        fc.pre(unsafeIdentifierProblem(a) === undefined && unsafeIdentifierProblem(b) === undefined);
        const merged = normalize(a, ['identifier']) === normalize(b, ['identifier']);
        const asciiFold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
        expect(merged).toBe(asciiFold(a) === asciiFold(b));
      }),
    );
  });
});
