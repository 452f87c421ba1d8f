import { parseAnnotation } from './annotation';
import type { AnnotationParseResult, AnnotationProblem } from './annotation';

function problemOf(result: AnnotationParseResult): AnnotationProblem {
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.annotation)}`);
  return result.problem;
}

describe('parseAnnotation: accepted forms', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['Just a comment about the field.', null],
    ['@encryptedAt is not ours, nor is @encrypted_at', null],
    ['mail security@encrypted.example for help', null],
    ['@encrypted', {}],
    ['@encrypted()', {}],
    ['Home address.\n@encrypted\nShown on invoices.', {}],
    ['@encrypted: text after the annotation is documentation', {}],
    ['@encrypted(hash: emailHash)', { hash: 'emailHash' }],
    ['@encrypted( hash : emailHash , )', { hash: 'emailHash' }],
    ['@encrypted(hash: emailHash, normalize: [trim, lowercase, nfkc], hashBytes: 16)', { hash: 'emailHash', normalize: ['trim', 'lowercase', 'nfkc'], hashBytes: 16 }],
    ['@encrypted(hash: h, normalize: [])', { hash: 'h', normalize: [] }],
    ['@encrypted(hash: h, normalize: [diacritics,], hashBytes: 8)', { hash: 'h', normalize: ['diacritics'], hashBytes: 8 }],
    ['@encrypted(hash: h, hashBytes: 32)', { hash: 'h', hashBytes: 32 }],
    ['@encrypted(hash: emailHash, normalize: [identifier])', { hash: 'emailHash', normalize: ['identifier'] }],
    ['@encrypted(hash: h, hashBytes: 1)', { hash: 'h', hashBytes: 1 }],
    ['@encrypted(\n  hash: emailHash,\n  normalize: [trim]\n) searchable', { hash: 'emailHash', normalize: ['trim'] }],
    ['@encrypted(scope: tenantId)', { scope: 'tenantId' }],
    ['@encrypted(scope: request)', { scope: 'request' }],
    ['@encrypted(scope: tenantId, hash: emailHash, normalize: [identifier])', { scope: 'tenantId', hash: 'emailHash', normalize: ['identifier'] }],
  ])('%j -> %j', (doc, expected) => {
    expect(parseAnnotation(doc)).toEqual({ ok: true, annotation: expected });
  });

  it('Precondition: the annotation is read from any line of the documentation', () => {
    const doc = 'The customer e-mail.\nUsed for login.\n@encrypted(hash: emailHash)';
    expect(parseAnnotation(doc)).toEqual({ ok: true, annotation: { hash: 'emailHash' } });
  });
});

describe('parseAnnotation: refused forms', () => {
  it.each([
    ['@Encrypted', 'MISSPELLED_ANNOTATION', '`@Encrypted`', '@encrypted'],
    ['@encrypt', 'MISSPELLED_ANNOTATION', '`@encrypt`', '@encrypted'],
    ['@encryption(hash: x)', 'MISSPELLED_ANNOTATION', '`@encryption`', '@encrypted'],
    ['@encrypted\n@encrypted(hash: h)', 'DUPLICATE_ANNOTATION', '2 times', 'Keep one'],
    ['@encrypted (hash: emailHash)', 'ANNOTATION_SYNTAX', 'space before "("', '@encrypted(hash'],
    ['@encrypted(hash: emailHash', 'ANNOTATION_SYNTAX', 'the end of the comment', 'Follow the form'],
    ['@encrypted(hash emailHash)', 'ANNOTATION_SYNTAX', '":" after `hash`', 'Follow the form'],
    ['@encrypted(hash: emailHash normalize: [trim])', 'ANNOTATION_SYNTAX', 'expected "," or ")"', 'Follow the form'],
    ['@encrypted(, hash: h)', 'ANNOTATION_SYNTAX', 'an option name', 'Follow the form'],
    ['@encrypted(hash: "emailHash")', 'ANNOTATION_SYNTAX', 'not quoted', 'hash: emailHash'],
    ['@encrypted(hash: h, normalize: [trim lowercase])', 'ANNOTATION_SYNTAX', 'expected "," or "]"', 'normalize: [trim, lowercase]'],
    ['@encrypted(hash: h, normalize: [trim, 3])', 'ANNOTATION_SYNTAX', 'expected a name in the list', 'normalize: [trim, lowercase]'],
    ['@encrypted(hash: h, hashBytes: 1.5)', 'ANNOTATION_SYNTAX', 'expected a value', 'Follow the form'],
    ['@encrypted(hash: h, hashBytes: 16bytes)', 'ANNOTATION_SYNTAX', 'expected a value', 'Follow the form'],
    ['@encrypted(normalise: [trim])', 'UNKNOWN_OPTION', 'unknown option `normalise`', 'Did you mean `normalize`?'],
    ['@encrypted(hash: h, bytes: 16)', 'UNKNOWN_OPTION', 'unknown option `bytes`', 'Did you mean `hashBytes`?'],
    ['@encrypted(Hash: h)', 'UNKNOWN_OPTION', 'unknown option `Hash`', 'Did you mean `hash`?'],
    ['@encrypted(searchable: true)', 'UNKNOWN_OPTION', 'the options are `hash`, `normalize`, `hashBytes`', 'Remove `searchable`'],
    ['@encrypted(hash: a, hash: b)', 'DUPLICATE_OPTION', '`hash` more than once', 'Keep one `hash`'],
    ['@encrypted(hash: [a])', 'INVALID_OPTION_VALUE', '`hash` must name a field', 'hash: emailHash'],
    ['@encrypted(hash: 12)', 'INVALID_OPTION_VALUE', '`hash` must name a field', 'hash: emailHash'],
    ['@encrypted(hash: h, normalize: lowercase)', 'INVALID_OPTION_VALUE', '`normalize` takes a list', 'normalize: [lowercase]'],
    ['@encrypted(hash: h, normalize: [trim, trim])', 'INVALID_OPTION_VALUE', '`trim` twice', 'Keep one `trim`'],
    ['@encrypted(hash: h, hashBytes: sixteen)', 'INVALID_OPTION_VALUE', 'whole number of bytes', '1 to 32'],
    ['@encrypted(hash: h, normalize: [lower])', 'UNKNOWN_NORMALIZATION', 'unknown normalization `lower`', 'Did you mean `lowercase`?'],
    ['@encrypted(hash: h, normalize: [NFKC])', 'UNKNOWN_NORMALIZATION', 'unknown normalization `NFKC`', 'Did you mean `nfkc`?'],
    ['@encrypted(hash: h, normalize: [soundex])', 'UNKNOWN_NORMALIZATION', '`nfkc`, `diacritics`, `lowercase`, `trim`, `identifier`', 'Remove `soundex`'],
    ['@encrypted(hash: h, normalize: [identifiers])', 'UNKNOWN_NORMALIZATION', 'unknown normalization `identifiers`', 'Did you mean `identifier`?'],
    ['@encrypted(hash: h, normalize: [identifier, trim])', 'INVALID_OPTION_VALUE', 'combines `identifier` with other normalizations', 'normalize: [identifier]'],
    ['@encrypted(hash: h, hashBytes: 33)', 'HASH_BYTES_OUT_OF_RANGE', '`hashBytes: 33` is out of range', '1 to 32'],
    ['@encrypted(hash: h, hashBytes: 0)', 'HASH_BYTES_OUT_OF_RANGE', '`hashBytes: 0` is out of range', '1 to 32'],
    ['@encrypted(normalize: [trim])', 'OPTION_REQUIRES_HASH', '`normalize` configures a blind index', 'Add `hash: <field>`'],
    ['@encrypted(hashBytes: 16)', 'OPTION_REQUIRES_HASH', '`hashBytes` configures a blind index', 'Add `hash: <field>`'],
    ['@encrypted(tenant: tenantId)', 'UNKNOWN_OPTION', 'unknown option `tenant`', 'Did you mean `scope`?'],
    ['@encrypted(scope: [tenantId])', 'INVALID_OPTION_VALUE', '`scope` must name a field of the model or be `request`', 'scope: tenantId'],
    ['@encrypted(scope: 7)', 'INVALID_OPTION_VALUE', '`scope` must name a field', 'scope: request'],
    ['@encrypted(scope: a, scope: b)', 'DUPLICATE_OPTION', '`scope` more than once', 'Keep one `scope`'],
  ])('%j is refused with %s', (doc, code, inMessage, inFix) => {
    const problem = problemOf(parseAnnotation(doc));
    expect(problem.code).toBe(code);
    expect(problem.message).toContain(inMessage);
    expect(problem.fix).toContain(inFix);
  });

  it('Precondition: a message quotes the annotation as written, on one line', () => {
    const problem = problemOf(parseAnnotation('Login.\n@encrypted(\n  hash: emailHash,\n  normalise: [trim]\n)\nMore text'));
    expect(problem.message).toContain('`@encrypted( hash: emailHash, normalise: [trim] )`');
    expect(problem.message).not.toContain('More text');
  });
});
