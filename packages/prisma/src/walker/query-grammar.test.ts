import { AmbiguousQueryError, ForbiddenKeyError, PrismaKmsErrorCode } from '../errors';
import { buildScheme } from '../field-map';
import { fieldMap } from './__tests__/field-map.fixture';
import { fitsToOneWrappers, fluentResultReadings, refuseForbiddenKeys, toOneFilterShape, toOneUpdateShape, writtenValue } from './query-grammar';

const scheme = buildScheme(fieldMap);
const settings = scheme.model('Settings');
const profile = scheme.model('Profile');

describe('refuseForbiddenKeys', () => {
  it('refuses an own __proto__ key from JSON.parse at any depth, naming its path', () => {
    const args: unknown = JSON.parse('{"data":{"posts":{"create":[{"title":"t"},{"__proto__":{"body":"x"}}]}}}');
    expect(() => refuseForbiddenKeys('User', args)).toThrow(ForbiddenKeyError);
    try {
      refuseForbiddenKeys('User', args);
    } catch (e) {
      expect(e).toMatchObject({ code: PrismaKmsErrorCode.FORBIDDEN_KEY, model: 'User', path: ['data', 'posts', 'create', 1, '__proto__'] });
      expect((e as Error).message).not.toContain('"x"');
    }
  });

  it('refuses an object that already inherits from a plain object (a __proto__ key assigned before the walk)', () => {
    const inheriting = Object.create({ name: 'x' }) as Record<string, unknown>;
    inheriting.role = 'admin';
    expect(() => refuseForbiddenKeys('User', inheriting)).toThrow(expect.objectContaining({ code: PrismaKmsErrorCode.FORBIDDEN_KEY, path: ['__proto__'] }));
    expect(() => refuseForbiddenKeys('User', { data: [inheriting] })).toThrow(expect.objectContaining({ path: ['data', 0, '__proto__'] }));
    expect(() => refuseForbiddenKeys('User', { data: { at: new Date(), n: Buffer.from('x'), none: Object.create(null) } })).not.toThrow();
  });

  it('refuses constructor and prototype keys too, and accepts everything else', () => {
    expect(() => refuseForbiddenKeys('User', { where: { constructor: 1 } })).toThrow(ForbiddenKeyError);
    expect(() => refuseForbiddenKeys('User', { where: { AND: [{ prototype: 1 }] } })).toThrow(ForbiddenKeyError);
    expect(() => refuseForbiddenKeys('User', { data: { name: '__proto__', at: new Date() }, where: { proto: 1 } })).not.toThrow();
  });
});

describe('writtenValue', () => {
  it('unwraps { set: v } and passes a bare value, null and undefined through', () => {
    expect(writtenValue({ set: 'a@b.c' })).toBe('a@b.c');
    expect(writtenValue({ set: null })).toBeNull();
    expect(writtenValue('a@b.c')).toBe('a@b.c');
    expect(writtenValue(null)).toBeNull();
    expect(writtenValue(undefined)).toBeUndefined();
  });

  it('returns another operation, or set beside another key, as it is (the caller refuses it)', () => {
    const increment = { increment: 1 };
    const mixed = { set: 'x', increment: 1 };
    expect(writtenValue(increment)).toBe(increment);
    expect(writtenValue(mixed)).toBe(mixed);
  });
});

describe('toOneUpdateShape', () => {
  it('reads `{ where?, data }` as the envelope when the target has no field named data', () => {
    expect(toOneUpdateShape(profile, { data: { bio: 'x' } })).toBe('envelope');
    expect(toOneUpdateShape(profile, { where: { bio: null }, data: { bio: 'x' } })).toBe('envelope');
    expect(toOneUpdateShape(profile, { bio: 'x' })).toBe('data');
  });

  it('reads by shape when the target has fields named data and where', () => {
    // Prisma reads this as the envelope: Settings.data takes no `{ secret }` (issue 9 finding 1).
    expect(toOneUpdateShape(settings, { data: { secret: 'x' } })).toBe('envelope');
    expect(toOneUpdateShape(settings, { data: 'd', where: 'w' })).toBe('data');
    expect(toOneUpdateShape(settings, { data: { data: { set: 'x' } } })).toBe('envelope');
    expect(toOneUpdateShape(settings, { data: null })).toBe('data');
  });

  it('refuses a node that fits both readings', () => {
    expect(() => toOneUpdateShape(settings, { data: { set: 'x' } })).toThrow(AmbiguousQueryError);
    expect(() => toOneUpdateShape(settings, { where: { set: 'w' }, data: { set: 'x' } })).toThrow(
      expect.objectContaining({ code: PrismaKmsErrorCode.AMBIGUOUS_QUERY, model: 'Settings', position: 'update' }),
    );
  });
});

describe('toOneFilterShape', () => {
  it('reads wrappers, a bare where, and refuses a node that is both', () => {
    expect(toOneFilterShape(profile, { is: { bio: null } })).toBe('wrappers');
    expect(toOneFilterShape(profile, { bio: null })).toBe('where');
    expect(toOneFilterShape(settings, { is: 'x' })).toBe('where');
    expect(toOneFilterShape(settings, { is: { is: { equals: 'x' } } })).toBe('wrappers');
    expect(() => toOneFilterShape(settings, { is: { equals: 'x' } })).toThrow(AmbiguousQueryError);
    expect(fitsToOneWrappers({})).toBe(false);
    expect(fitsToOneWrappers({ isNot: null })).toBe(true);
  });
});

describe('fluentResultReadings', () => {
  const account = scheme.model('Account');
  it('tells the parent row from the related row by the shape of the relation key', () => {
    expect(fluentResultReadings(account, 'settings', settings, { settings: { id: 1, secret: 's' } })).toBe('parent');
    expect(fluentResultReadings(account, 'settings', settings, { id: 1, settings: 'AYAA', secret: 's' })).toBe('related');
    expect(fluentResultReadings(account, 'settings', settings, { settings: 'AYAA' })).toBe('related');
    expect(fluentResultReadings(account, 'settings', settings, { settings: null })).toBe('both');
    expect(fluentResultReadings(account, 'notes', scheme.model('Note'), [{ id: 1 }])).toBe('related');
  });
});
