import { HASH_BYTES, NORMALIZATIONS } from '../field-map/types';
import type { Normalization } from '../field-map/types';

/**
 * The `/// @encrypted` annotation of one field, read from its documentation comment.
 *
 * Grammar (whitespace and line breaks allowed between tokens, trailing commas allowed):
 * ```
 * annotation := "@encrypted" [ "(" [ option { "," option } ] ")" ]     -- "(" right after the name
 * option     := "hash" ":" identifier
 *             | "normalize" ":" "[" [ normalization { "," normalization } ] "]"
 *             | "hashBytes" ":" integer
 *             | "scope" ":" identifier                                 -- a field of the model, or `request`
 * ```
 * Other text may surround the annotation, on the same line or others.
 */
export interface EncryptedAnnotation {
  /** Name of the field that holds the blind index. */
  readonly hash?: string;
  /** Normalizations as written (deduplicated and ordered later, when the field map is built). */
  readonly normalize?: readonly Normalization[];
  /** Blind index length in bytes. */
  readonly hashBytes?: number;
  /**
   * Where the key scope of the row comes from: the name of a scalar field of the model, or `request`
   * (the scope of the client or resolver). Which one it is is decided against the model's fields when
   * the field map is built.
   */
  readonly scope?: string;
}

/** What can be wrong with an annotation on its own (the schema-level checks come later). */
export const ANNOTATION_PROBLEM_CODES = {
  ANNOTATION_SYNTAX: 'ANNOTATION_SYNTAX',
  MISSPELLED_ANNOTATION: 'MISSPELLED_ANNOTATION',
  DUPLICATE_ANNOTATION: 'DUPLICATE_ANNOTATION',
  UNKNOWN_OPTION: 'UNKNOWN_OPTION',
  DUPLICATE_OPTION: 'DUPLICATE_OPTION',
  INVALID_OPTION_VALUE: 'INVALID_OPTION_VALUE',
  UNKNOWN_NORMALIZATION: 'UNKNOWN_NORMALIZATION',
  HASH_BYTES_OUT_OF_RANGE: 'HASH_BYTES_OUT_OF_RANGE',
  OPTION_REQUIRES_HASH: 'OPTION_REQUIRES_HASH',
} as const;

export type AnnotationProblemCode = keyof typeof ANNOTATION_PROBLEM_CODES;

/** Why an annotation was refused, and what to write instead. */
export interface AnnotationProblem {
  readonly code: AnnotationProblemCode;
  /** What is wrong, quoting the annotation (schema text, never data). */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

export type AnnotationParseResult =
  | { readonly ok: true; readonly annotation: EncryptedAnnotation | null }
  | { readonly ok: false; readonly problem: AnnotationProblem };

const NAME = '@encrypted';
const OPTION_NAMES = ['hash', 'normalize', 'hashBytes', 'scope'] as const;
type OptionName = (typeof OPTION_NAMES)[number];

/** Likely slips, mapped to what was meant, for the "did you mean" of an unknown option. */
const OPTION_ALIASES: Readonly<Record<string, OptionName>> = {
  normalise: 'normalize', normalization: 'normalize', normalizations: 'normalize',
  bytes: 'hashBytes', hashlength: 'hashBytes', length: 'hashBytes', truncate: 'hashBytes', hashsize: 'hashBytes',
  index: 'hash', blindindex: 'hash', hashfield: 'hash', hashedby: 'hash',
  tenant: 'scope', scopeby: 'scope', keyscope: 'scope', scopes: 'scope', partition: 'scope',
};
const NORMALIZATION_ALIASES: Readonly<Record<string, Normalization>> = {
  lower: 'lowercase', lowercased: 'lowercase', tolowercase: 'lowercase',
  trimmed: 'trim', nfkd: 'nfkc', unicode: 'nfkc',
  accents: 'diacritics', stripdiacritics: 'diacritics', 'strip-diacritics': 'diacritics',
  identifiers: 'identifier', ident: 'identifier', 'safe-identifier': 'identifier',
};

const EXAMPLE = '/// @encrypted(hash: emailHash, normalize: [trim, lowercase], hashBytes: 16)';

/**
 * Reads the `@encrypted` annotation from a field's documentation (`///` lines joined by newlines).
 * Pure: returns `{ ok: true, annotation: null }` when the field is not annotated.
 *
 * @example
 * ```ts
 * parseAnnotation('Work address.\n@encrypted(hash: emailHash, normalize: [trim])');
 * // { ok: true, annotation: { hash: 'emailHash', normalize: ['trim'] } }
 * parseAnnotation('@encrypted(hash: "emailHash")').ok; // false: ANNOTATION_SYNTAX
 * ```
 */
export function parseAnnotation(documentation: string | undefined | null): AnnotationParseResult {
  if (documentation === undefined || documentation === null) return { ok: true, annotation: null };

  const misspelled = /(?<![\w.@-])@encrypt(?:ed|ion)?(?![\w])/gi;
  for (const match of documentation.matchAll(misspelled)) {
    if (match[0] !== NAME) {
      return fail('MISSPELLED_ANNOTATION', `\`${match[0]}\` is not an annotation prisma-kms knows.`, `Write \`${NAME}\` (lower case), e.g. \`${EXAMPLE}\`.`);
    }
  }

  const starts = [...documentation.matchAll(/(?<![\w.@-])@encrypted(?!\w)/g)].map((m) => m.index);
  if (starts.length === 0) return { ok: true, annotation: null };
  if (starts.length > 1) {
    return fail('DUPLICATE_ANNOTATION', `\`${NAME}\` appears ${starts.length} times in this field's documentation.`, `Keep one \`${NAME}\` and put every option in its parentheses.`);
  }
  const start = starts[0] ?? 0;
  const reader = new Reader(documentation, start + NAME.length, start);
  if (reader.peek() !== '(') {
    const rest = documentation.slice(reader.pos);
    if (/^[ \t]+\(/.test(rest)) {
      return fail('ANNOTATION_SYNTAX', `In \`${reader.snippet()}\`, there is a space before "(".`, `Write the options right after the name: \`@encrypted(hash: ...)\`.`);
    }
    return { ok: true, annotation: {} };
  }
  const options = readOptions(reader);
  if ('code' in options) return { ok: false, problem: options };
  return interpretOptions(options, reader.snippet());
}

interface RawOption {
  readonly name: string;
  readonly value: RawValue;
}
type RawValue =
  | { readonly kind: 'identifier'; readonly text: string }
  | { readonly kind: 'integer'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] };

/** A cursor over the documentation text, from just after `@encrypted`. */
class Reader {
  pos: number;
  constructor(
    readonly text: string,
    start: number,
    private readonly annotationStart: number,
  ) {
    this.pos = start;
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? '')) this.pos += 1;
  }
  take(pattern: RegExp): string | undefined {
    const match = pattern.exec(this.text.slice(this.pos));
    if (match === null || match.index !== 0) return undefined;
    this.pos += match[0].length;
    return match[0];
  }
  /** The annotation as written, up to the closing parenthesis or the end of its line. */
  snippet(): string {
    const close = this.text.indexOf(')', this.annotationStart);
    const lineEnd = this.text.indexOf('\n', this.annotationStart);
    const paren = this.text[this.annotationStart + NAME.length] === '(';
    const end = paren && close !== -1 ? close + 1 : lineEnd === -1 ? this.text.length : lineEnd;
    return this.text.slice(this.annotationStart, end).replace(/\s+/g, ' ').trim();
  }
  /** What the reader is looking at, for error messages. */
  describeHere(): string {
    const next = this.text.slice(this.pos).match(/^\S{1,12}/)?.[0];
    return next === undefined ? 'the end of the comment' : `"${next}"`;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*/;

function readOptions(reader: Reader): RawOption[] | AnnotationProblem {
  const syntax = (expected: string) =>
    problem('ANNOTATION_SYNTAX', `In \`${reader.snippet()}\`, expected ${expected} but found ${reader.describeHere()}.`, `Follow the form \`${EXAMPLE}\`.`);
  reader.pos += 1; // "("
  const options: RawOption[] = [];
  for (;;) {
    reader.skipSpace();
    if (reader.peek() === ')') break;
    const name = reader.take(IDENTIFIER);
    if (name === undefined) return syntax(options.length === 0 ? 'an option name or ")"' : 'an option name');
    reader.skipSpace();
    if (reader.take(/^:/) === undefined) return syntax(`":" after \`${name}\``);
    reader.skipSpace();
    const value = readValue(reader);
    if ('code' in value) return value;
    options.push({ name, value });
    reader.skipSpace();
    if (reader.take(/^,/) !== undefined) continue;
    if (reader.peek() === ')') break;
    return syntax('"," or ")"');
  }
  return options;
}

function readValue(reader: Reader): RawValue | AnnotationProblem {
  const next = reader.peek();
  if (next === '"' || next === "'") {
    return problem('ANNOTATION_SYNTAX', `In \`${reader.snippet()}\`, option values are not quoted.`, 'Write names and numbers bare: `hash: emailHash`, `normalize: [trim]`, `hashBytes: 16`.');
  }
  if (next === '[') {
    reader.pos += 1;
    const items: string[] = [];
    for (;;) {
      reader.skipSpace();
      if (reader.peek() === ']') break;
      const item = reader.take(IDENTIFIER);
      if (item === undefined) {
        return problem('ANNOTATION_SYNTAX', `In \`${reader.snippet()}\`, expected a name in the list but found ${reader.describeHere()}.`, 'Write a list of bare names: `normalize: [trim, lowercase]`.');
      }
      items.push(item);
      reader.skipSpace();
      if (reader.take(/^,/) !== undefined) continue;
      if (reader.peek() === ']') break;
      return problem('ANNOTATION_SYNTAX', `In \`${reader.snippet()}\`, expected "," or "]" but found ${reader.describeHere()}.`, 'Close the list: `normalize: [trim, lowercase]`.');
    }
    reader.pos += 1; // "]"
    return { kind: 'list', items };
  }
  const integer = reader.take(/^[0-9]+(?![\w.])/);
  if (integer !== undefined) return { kind: 'integer', text: integer };
  const identifier = reader.take(IDENTIFIER);
  if (identifier !== undefined) return { kind: 'identifier', text: identifier };
  return problem('ANNOTATION_SYNTAX', `In \`${reader.snippet()}\`, expected a value but found ${reader.describeHere()}.`, `Follow the form \`${EXAMPLE}\`.`);
}

function interpretOptions(options: readonly RawOption[], snippet: string): AnnotationParseResult {
  const seen = new Set<string>();
  let hash: string | undefined;
  let normalize: Normalization[] | undefined;
  let hashBytes: number | undefined;
  let scope: string | undefined;
  for (const { name, value } of options) {
    if (!isOptionName(name)) {
      const meant = OPTION_ALIASES[name.toLowerCase()] ?? OPTION_NAMES.find((o) => o.toLowerCase() === name.toLowerCase());
      return fail(
        'UNKNOWN_OPTION',
        `\`${snippet}\` has the unknown option \`${name}\`; the options are ${OPTION_NAMES.map((o) => `\`${o}\``).join(', ')}.`,
        meant === undefined ? `Remove \`${name}\`, or write e.g. \`${EXAMPLE}\`.` : `Did you mean \`${meant}\`?`,
      );
    }
    if (seen.has(name)) {
      return fail('DUPLICATE_OPTION', `\`${snippet}\` gives \`${name}\` more than once.`, `Keep one \`${name}\`.`);
    }
    seen.add(name);
    switch (name) {
      case 'hash':
        if (value.kind !== 'identifier') {
          return fail('INVALID_OPTION_VALUE', `In \`${snippet}\`, \`hash\` must name a field.`, 'Write the name of the String field that holds the index: `hash: emailHash`.');
        }
        hash = value.text;
        break;
      case 'normalize': {
        if (value.kind !== 'list') {
          const single = value.kind === 'identifier' ? value.text : 'trim';
          return fail('INVALID_OPTION_VALUE', `In \`${snippet}\`, \`normalize\` takes a list.`, `Write it in brackets: \`normalize: [${single}]\`.`);
        }
        const steps: Normalization[] = [];
        for (const item of value.items) {
          if (!isNormalization(item)) {
            const meant = NORMALIZATION_ALIASES[item.toLowerCase()] ?? NORMALIZATIONS.find((n) => n === item.toLowerCase());
            return fail(
              'UNKNOWN_NORMALIZATION',
              `\`${snippet}\` asks for the unknown normalization \`${item}\`; the normalizations are ${NORMALIZATIONS.map((n) => `\`${n}\``).join(', ')}.`,
              meant === undefined ? `Remove \`${item}\` from the list.` : `Did you mean \`${meant}\`?`,
            );
          }
          if (steps.includes(item)) {
            return fail('INVALID_OPTION_VALUE', `\`${snippet}\` lists the normalization \`${item}\` twice.`, `Keep one \`${item}\`.`);
          }
          steps.push(item);
        }
        if (steps.includes('identifier') && steps.length > 1) {
          return fail(
            'INVALID_OPTION_VALUE',
            `\`${snippet}\` combines \`identifier\` with other normalizations; \`identifier\` is used alone.`,
            'Write `normalize: [identifier]` (it folds ASCII case and refuses look-alike characters).',
          );
        }
        normalize = steps;
        break;
      }
      case 'hashBytes': {
        if (value.kind !== 'integer') {
          return fail('INVALID_OPTION_VALUE', `In \`${snippet}\`, \`hashBytes\` must be a whole number of bytes.`, `Write e.g. \`hashBytes: 16\` (${HASH_BYTES.min} to ${HASH_BYTES.max}; ${HASH_BYTES.default} when omitted).`);
        }
        const bytes = Number(value.text);
        if (bytes < HASH_BYTES.min || bytes > HASH_BYTES.max) {
          return fail(
            'HASH_BYTES_OUT_OF_RANGE',
            `In \`${snippet}\`, \`hashBytes: ${value.text}\` is out of range.`,
            `Use ${HASH_BYTES.min} to ${HASH_BYTES.max} (bytes of HMAC-SHA-256 kept; ${HASH_BYTES.default}, the full hash, when omitted).`,
          );
        }
        hashBytes = bytes;
        break;
      }
      case 'scope':
        if (value.kind !== 'identifier') {
          return fail('INVALID_OPTION_VALUE', `In \`${snippet}\`, \`scope\` must name a field of the model or be \`request\`.`, 'Write e.g. `scope: tenantId` (the row\'s tenant field) or `scope: request` (the scope of `$forScope` or the resolver).');
        }
        scope = value.text;
        break;
    }
  }
  if (hash === undefined && (normalize !== undefined || hashBytes !== undefined)) {
    const option = normalize !== undefined ? 'normalize' : 'hashBytes';
    return fail('OPTION_REQUIRES_HASH', `In \`${snippet}\`, \`${option}\` configures a blind index, but there is no \`hash\`.`, `Add \`hash: <field>\` naming a String field for the index, or remove \`${option}\`.`);
  }
  return {
    ok: true,
    annotation: {
      ...(hash === undefined ? {} : { hash }),
      ...(normalize === undefined ? {} : { normalize }),
      ...(hashBytes === undefined ? {} : { hashBytes }),
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

function isOptionName(name: string): name is OptionName {
  return (OPTION_NAMES as readonly string[]).includes(name);
}

function isNormalization(name: string): name is Normalization {
  return (NORMALIZATIONS as readonly string[]).includes(name);
}

function problem(code: AnnotationProblemCode, message: string, fix: string): AnnotationProblem {
  return { code, message, fix };
}

function fail(code: AnnotationProblemCode, message: string, fix: string): AnnotationParseResult {
  return { ok: false, problem: problem(code, message, fix) };
}
