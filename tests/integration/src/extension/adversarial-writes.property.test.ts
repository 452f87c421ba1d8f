import fc from 'fast-check';
import { isPrismaKmsError, PrismaKmsErrorCode } from '@prisma-kms/prisma';
// The generator is shared with the pure property on planArgs (packages/prisma), so both explore the same shapes.
import { adversarialCall, type AdversarialCall } from '../../../../packages/prisma/src/walker/__tests__/adversarial-args';
import { findPlaintextAtRest, openEncryptedDatabase, type EncryptedDatabase } from './encrypted-database';

// Issue 9, "Done when": adversarial argument objects (fields named data/set/where/is/settings, both forms of
// a to-one update, upserts, nested creates four deep, own __proto__ keys) sent through the extension to a
// real database. Whatever Prisma accepts, no encrypted column ever holds a plaintext.
describe('adversarial writes on sqlite (property)', () => {
  let t: EncryptedDatabase;
  beforeAll(async () => {
    t = await openEncryptedDatabase('sqlite', { mode: 'strict' });
  });
  afterAll(() => t.close());

  function send(call: AdversarialCall): Promise<unknown> {
    const delegate = (call.model === 'Account' ? t.prisma.account : t.prisma.user) as unknown as Record<string, (args: unknown) => Promise<unknown>>;
    return delegate[call.operation]!(call.args);
  }

  it('stores no plaintext in any encrypted column, whatever the shape of the arguments', async () => {
    const account = await t.prisma.account.create({ data: { owner: 'seed', settings: { create: {} } } });
    const outcomes = { written: 0, refused: 0, rejectedByPrisma: 0 };
    await fc.assert(
      fc.asyncProperty(adversarialCall(account.id), async (call) => {
        try {
          await send(call);
          expect(call.forbidden).toBe(false);
          outcomes.written += 1;
        } catch (error) {
          if (isPrismaKmsError(error)) {
            expect(error.code).toBe(call.forbidden ? PrismaKmsErrorCode.FORBIDDEN_KEY : PrismaKmsErrorCode.AMBIGUOUS_QUERY);
            outcomes.refused += 1;
          } else {
            // Prisma's own refusal of a shape (validation, or a to-one where that matched nothing): nothing written.
            expect(call.forbidden).toBe(false);
            outcomes.rejectedByPrisma += 1;
          }
        }
        expect(await findPlaintextAtRest(t.db, t.fields, t.cipher)).toEqual([]);
      }),
      { numRuns: 120 },
    );
    // The property must have exercised real writes, refusals of both kinds included.
    expect(outcomes.written).toBeGreaterThan(60);
    expect(outcomes.refused).toBeGreaterThan(5);
    // Strict mode: every stored value reads back (a plaintext would throw PlaintextValueError).
    expect((await t.prisma.account.findMany({ include: { settings: true, notes: true } })).length).toBeGreaterThan(10);
    expect((await t.prisma.user.findMany({ include: { posts: { include: { comments: true } } } })).length).toBeGreaterThan(10);
  });
});
