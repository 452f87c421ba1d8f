import { InvalidFieldValueError, PrismaKmsErrorCode } from '../errors';
import { IndexFieldWriteError } from './errors';
import { hashesForWrite } from './write-hashes';
import { scheme, testIndexer } from './__tests__/fixture';

const one = testIndexer();
const two = testIndexer({ versions: [2, 1] });

describe('hashesForWrite', () => {
  test('create: one index per indexed field written, normalized, under the current key only', () => {
    expect(hashesForWrite(scheme, 'User', { email: ' A@B.c', phone: '555', name: 'Ann', role: 'x' }, two)).toEqual({
      emailHash: 'v2:User.email:a@b.c',
      phoneHash: 'v2:User.phone:555',
    });
  });

  test('null clears the index; fields the write leaves alone get nothing', () => {
    expect(hashesForWrite(scheme, 'User', { phone: null }, one)).toEqual({ phoneHash: null });
    expect(hashesForWrite(scheme, 'User', { role: 'x', email: undefined }, one)).toEqual({});
  });

  test('update form { set: value }', () => {
    expect(hashesForWrite(scheme, 'User', { email: { set: 'b' }, phone: { set: null } }, one)).toEqual({ emailHash: 'v1:User.email:b', phoneHash: null });
  });

  test('models without indexes give nothing', () => {
    expect(hashesForWrite(scheme, 'Post', { body: 'x', title: 't' }, one)).toEqual({});
  });

  test('the data object is not changed', () => {
    const data = { email: 'a' };
    hashesForWrite(scheme, 'User', data, one);
    expect(data).toEqual({ email: 'a' });
  });

  test('Precondition: the index column is never written by the caller', () => {
    expect(() => hashesForWrite(scheme, 'User', { email: 'a', emailHash: 'forged' }, one)).toThrow(IndexFieldWriteError);
    expect(() => hashesForWrite(scheme, 'User', { emailHash: 'forged' }, one)).toThrow(
      expect.objectContaining({ code: PrismaKmsErrorCode.INVALID_FIELD_VALUE, model: 'User', field: 'emailHash' }),
    );
  });

  test('Precondition: values are strings or null', () => {
    for (const email of [1, true, new Date(0), { set: 5 }, { increment: 1 }]) {
      expect(() => hashesForWrite(scheme, 'User', { email }, one)).toThrow(InvalidFieldValueError);
    }
  });
});
