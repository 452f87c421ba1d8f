/**
 * fast-check generators of adversarial write arguments on the shared schema (issue 9): odd key orders,
 * fields named like Prisma's own keys (`Settings.data`, `.set`, `.where`, `.is`, `.settings`), both
 * forms of a to-one nested update, upserts, nested creates at depth, values that spell grammar words,
 * and own `__proto__` keys as `JSON.parse` makes them. Shared by the pure property on `planArgs` and
 * the integration property on a real database (tests/integration imports this file).
 *
 * Every plaintext given to an encrypted field is a marker `ENC|Model.field|...`, and no other string
 * starts with `ENC|`: a marker found anywhere the walker did not collect it is a plaintext that would
 * reach the database.
 */
import fc from 'fast-check';

export const MARKER = 'ENC|';

/** One call: `prisma[delegate][operation](args)`; `forbidden` when an own `__proto__` key was injected. */
export interface AdversarialCall {
  readonly model: 'Account' | 'User';
  readonly operation: 'create' | 'update';
  readonly args: Record<string, unknown>;
  readonly forbidden: boolean;
}

const GRAMMAR_WORDS = ['data', 'set', 'where', 'is', 'isNot', 'settings', 'create', 'update', 'connect', '__proto__', 'constructor', '{"set":"x"}', '', ' '];

let sequence = 0;

/** A plaintext for `model.field`: a marker with a grammar word in it, unique within a run (unique indexes). */
function secret(model: string, field: string): fc.Arbitrary<string> {
  return fc.constantFrom(...GRAMMAR_WORDS).map((word) => `${MARKER}${model}.${field}|${word}|${(sequence += 1)}`);
}

/** A value for a plain (unencrypted) text field: grammar words, never a marker. */
const plainText = fc.constantFrom(...GRAMMAR_WORDS);

/** An object with `keys` optional, in a random key order (the walker must not depend on it). */
function shuffledRecord(fields: Record<string, fc.Arbitrary<unknown>>, requiredKeys: string[] = []): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(fields, { requiredKeys: requiredKeys as never[] })
    .chain((record) => {
      const entries = Object.entries(record as Record<string, unknown>);
      return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }).map((shuffled) => Object.fromEntries(shuffled));
    });
}

/** A written encrypted value: the plaintext, or `{ set: plaintext }` in update data. */
function written(model: string, field: string, update: boolean): fc.Arbitrary<unknown> {
  return update ? fc.oneof(secret(model, field), secret(model, field).map((value) => ({ set: value }))) : secret(model, field);
}

function settingsData(update: boolean): fc.Arbitrary<Record<string, unknown>> {
  return shuffledRecord({
    secret: written('Settings', 'secret', update),
    settings: written('Settings', 'settings', update),
    where: written('Settings', 'where', update),
    data: plainText,
    set: plainText,
    is: plainText,
  });
}

/** A to-one nested `update` of Settings: the data itself, the envelope, or the envelope with a where. */
const settingsToOneUpdate: fc.Arbitrary<unknown> = fc.oneof(
  settingsData(true),
  settingsData(true).map((data) => ({ data })),
  settingsData(true).map((data) => ({ where: { id: { gt: 0 } }, data })),
  settingsData(true).map((data) => ({ data, where: { set: { not: 'never' } } })),
);

const settingsNestedWrite: fc.Arbitrary<unknown> = fc.oneof(
  settingsToOneUpdate.map((update) => ({ update })),
  fc.record({ create: settingsData(false), update: settingsData(true) }).map((upsert) => ({ upsert })),
);

const noteCreates = fc.array(shuffledRecord({ label: secret('Note', 'label') }), { minLength: 1, maxLength: 3 });

const accountCreate: fc.Arbitrary<Record<string, unknown>> = shuffledRecord(
  {
    owner: secret('Account', 'owner'),
    settings: settingsData(false).map((create) => ({ create })),
    notes: noteCreates.map((create) => ({ create })),
  },
  ['owner'],
);

const accountUpdate: fc.Arbitrary<Record<string, unknown>> = shuffledRecord({
  owner: written('Account', 'owner', true),
  settings: settingsNestedWrite,
  notes: noteCreates.map((create) => ({ create })),
});

/** A user with posts, comments and the comments' authors created in one call: nested writes four deep. */
const userCreate: fc.Arbitrary<Record<string, unknown>> = shuffledRecord(
  {
    name: secret('User', 'name'),
    email: secret('User', 'email'),
    role: plainText,
    posts: fc
      .array(
        shuffledRecord(
          {
            title: plainText,
            body: secret('Post', 'body'),
            secretNote: fc.option(secret('Post', 'secretNote'), { nil: null }),
            comments: fc
              .array(
                shuffledRecord({ text: secret('Comment', 'text'), author: shuffledRecord({ name: secret('User', 'name'), email: secret('User', 'email') }, ['name', 'email']).map((create) => ({ create })) }, ['text', 'author']),
                { maxLength: 2 },
              )
              .map((create) => ({ create })),
          },
          ['title', 'body'],
        ),
        { maxLength: 2 },
      )
      .map((create) => ({ create })),
  },
  ['name', 'email'],
);

/** Puts an own `__proto__` key (as `JSON.parse` makes it) into the `n`th object of `args`, holding plaintexts. */
function withOwnProto(args: Record<string, unknown>, n: number): Record<string, unknown> {
  const objects: unknown[] = [];
  const count = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(count);
    else if (node !== null && typeof node === 'object') {
      objects.push(node);
      Object.values(node).forEach(count);
    }
  };
  count(args);
  const target = objects[n % objects.length];
  const inject = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inject);
    if (node === null || typeof node !== 'object') return node;
    const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inject(value)]));
    if (node !== target) return copy;
    // Spread defines properties: the parsed own `__proto__` key stays an own key.
    const own = JSON.parse(`{"__proto__":{"owner":"${MARKER}Account.owner|proto","secret":"${MARKER}Settings.secret|proto"}}`) as object;
    return { ...own, ...copy };
  };
  return inject(args) as Record<string, unknown>;
}

function maybeForbidden(call: fc.Arbitrary<Omit<AdversarialCall, 'forbidden'>>): fc.Arbitrary<AdversarialCall> {
  return fc.tuple(call, fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.nat(), weight: 1 })).map(([base, n]) =>
    n === null ? { ...base, forbidden: false } : { ...base, args: withOwnProto(base.args, n), forbidden: true },
  );
}

/**
 * Calls on an existing account `accountId` (update) or new rows (create).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(adversarialCall(1), (call) => { planArgs(scheme, call.model, call.operation, call.args); }));
 * ```
 */
export function adversarialCall(accountId: number): fc.Arbitrary<AdversarialCall> {
  return maybeForbidden(
    fc.oneof(
      accountCreate.map((data) => ({ model: 'Account' as const, operation: 'create' as const, args: { data } })),
      accountUpdate.map((data) => ({ model: 'Account' as const, operation: 'update' as const, args: { where: { id: accountId }, data } })),
      userCreate.map((data) => ({ model: 'User' as const, operation: 'create' as const, args: { data } })),
    ),
  );
}
