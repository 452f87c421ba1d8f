/**
 * Normalization of a plaintext before it is hashed into its blind index, so that values a person
 * considers equal ('Alice@Example.com ' and 'alice@example.com') find each other. Only the index sees
 * the normalized form: the encrypted value keeps what was written.
 */

/**
 * The normalization steps, in the one order they are applied whatever order a schema lists them in
 * (reordering an annotation must not silently change every stored index):
 * - `nfkc`: Unicode compatibility composition ('ﬁ' -> 'fi', fullwidth 'Ａ' -> 'A', no-break space -> space);
 * - `diacritics`: decompose, drop combining marks, recompose ('é' -> 'e', 'İ' -> 'I');
 * - `lowercase`: Unicode lowercase, the same in every locale (no Turkish dotless-i rule);
 * - `trim`: leading and trailing white space, last, so spaces made by the steps before it go too.
 *
 * The order must match `NORMALIZATIONS` of the field map in `@prisma-kms/prisma`.
 */
export const NORMALIZATION_STEPS = ['nfkc', 'diacritics', 'lowercase', 'trim'] as const;

export type NormalizationStep = (typeof NORMALIZATION_STEPS)[number];

/** Nonspacing combining marks: accents, cedillas, tildes, the dot of 'İ' once decomposed. */
const COMBINING_MARKS = /\p{Mn}/gu;

/**
 * Returns `value` normalized by `steps` (applied in the order of {@link NORMALIZATION_STEPS}).
 * Pure and idempotent: normalizing twice gives the same string as once. No steps: `value` unchanged.
 *
 * @example
 * ```ts
 * normalize('  Zoë@ＥＸＡＭＰＬＥ.com ', ['trim', 'lowercase', 'nfkc', 'diacritics']); // 'zoe@example.com'
 * ```
 */
export function normalize(value: string, steps: readonly NormalizationStep[]): string {
  if (steps.length === 0) return value;
  const nfkc = steps.includes('nfkc');
  let result = nfkc ? value.normalize('NFKC') : value;
  if (steps.includes('diacritics')) result = result.normalize('NFD').replace(COMBINING_MARKS, '');
  // toLowerCase (not toLocaleLowerCase): the index must not depend on the server's locale.
  if (steps.includes('lowercase')) result = result.toLowerCase();
  // Stripping marks leaves a decomposed string (Hangul, for one) and lowercasing can decompose ('İ');
  // recompose so the index sees the normal form the steps name (NFKC, or NFC after stripping marks).
  if (nfkc) result = result.normalize('NFKC');
  else if (steps.includes('diacritics')) result = result.normalize('NFC');
  if (steps.includes('trim')) result = result.trim();
  return result;
}

/** True when `step` is one of {@link NORMALIZATION_STEPS}. */
export function isNormalizationStep(step: unknown): step is NormalizationStep {
  return typeof step === 'string' && (NORMALIZATION_STEPS as readonly string[]).includes(step);
}
