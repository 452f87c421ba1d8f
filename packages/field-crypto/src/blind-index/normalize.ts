/**
 * Normalization of a plaintext before it is hashed into its blind index, so that values a person
 * considers equal ('Alice@Example.com ' and 'alice@example.com') find each other. Only the index sees
 * the normalized form: the encrypted value keeps what was written.
 */

import { BlindIndexError, BlindIndexErrorReason } from './errors';

/**
 * The normalization steps, in the one order they are applied whatever order a schema lists them in
 * (reordering an annotation must not silently change every stored index):
 * - `identifier`: for emails and user names; used alone. ASCII letters are folded to lower case and
 *   nothing else changes: a value holding a character that NFKC or Unicode case folding would change
 *   (KELVIN SIGN, fullwidth letters, 'ﬃ', 'ß', dotless 'ı', a decomposed accent), white space, or an
 *   invisible or control character is refused with a `BlindIndexError` (`UNSAFE_IDENTIFIER`), in the
 *   spirit of UTS #39's identifier profile. So two values share an index entry only when they differ
 *   in the case of ASCII letters, and no look-alike can take over (or probe for) another's entry.
 * - `nfkc`: Unicode compatibility composition ('ﬁ' -> 'fi', fullwidth 'Ａ' -> 'A', no-break space -> space);
 * - `diacritics`: decompose, drop combining marks, recompose ('é' -> 'e', 'İ' -> 'I');
 * - `lowercase`: Unicode lowercase, the same in every locale (no Turkish dotless-i rule);
 * - `trim`: leading and trailing white space, last, so spaces made by the steps before it go too.
 *
 * The order must match `NORMALIZATIONS` of the field map in `@prisma-kms/prisma`.
 */
export const NORMALIZATION_STEPS = ['nfkc', 'diacritics', 'lowercase', 'trim', 'identifier'] as const;

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
  if (steps.includes('identifier')) return normalizeIdentifier(value);
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

/** Why a value is not a safe identifier; never a character of the value. */
export type UnsafeIdentifierProblem = 'nfkc' | 'case-folding' | 'invisible-or-space';

/** White space, separators, controls, format characters (ZWJ, bidi marks) and other default-ignorables. */
const INVISIBLE_OR_SPACE = /[\p{White_Space}\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

/**
 * What makes `value` unsafe as an identifier, or undefined when it is safe: each character is kept by
 * NFKC, and every non-ASCII character is its own lower case and the lower case of its upper case (so
 * full case folding keeps it: 'ß' -> 'SS', 'ı' -> 'I' and 'ς' -> 'Σ' are caught).
 *
 * @example
 * unsafeIdentifierProblem('Kate@corp.com');      // undefined
 * unsafeIdentifierProblem('\u212Aate@corp.com'); // 'nfkc' (KELVIN SIGN)
 */
export function unsafeIdentifierProblem(value: string): UnsafeIdentifierProblem | undefined {
  if (INVISIBLE_OR_SPACE.test(value)) return 'invisible-or-space';
  if (value.normalize('NFKC') !== value) return 'nfkc';
  for (const character of value) {
    if (character.charCodeAt(0) < 0x80) continue;
    if (character.toLowerCase() !== character || character.toUpperCase().toLowerCase() !== character) return 'case-folding';
  }
  return undefined;
}

const PROBLEM_TEXT: Record<UnsafeIdentifierProblem, string> = {
  nfkc: 'a character that Unicode NFKC normalization would change (a compatibility or look-alike form)',
  'case-folding': 'a non-ASCII character that Unicode case folding would change',
  'invisible-or-space': 'white space, or an invisible or control character',
};

/** The `identifier` step: ASCII case folding only; refuses what NFKC or case folding would change. */
function normalizeIdentifier(value: string, ref?: { readonly model: string; readonly field: string }): string {
  const problem = unsafeIdentifierProblem(value);
  if (problem !== undefined) {
    throw new BlindIndexError(
      BlindIndexErrorReason.UNSAFE_IDENTIFIER,
      `the value is not a safe identifier (normalize: [identifier]): it holds ${PROBLEM_TEXT[problem]}`,
      ref ?? {},
    );
  }
  return value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/** {@link normalize}, with a refusal that names the model and field. */
export function normalizeForField(value: string, steps: readonly NormalizationStep[], ref: { readonly model: string; readonly field: string }): string {
  return steps.includes('identifier') ? normalizeIdentifier(value, ref) : normalize(value, steps);
}
