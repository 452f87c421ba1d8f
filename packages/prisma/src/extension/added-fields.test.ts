import { stripAddedFields, withFieldsRead } from './added-fields';

describe('fields the extension reads beside the caller\'s selection', () => {
  it('adds to a select only the fields it leaves out, and takes out of an omit only the fields it names', () => {
    expect(withFieldsRead({ where: { id: 1 }, select: { name: true, email: true } }, ['email', 'phone'])).toEqual({ args: { where: { id: 1 }, select: { name: true, email: true, phone: true } }, added: ['phone'] });
    expect(withFieldsRead({ omit: { email: true, name: true } }, ['email', 'phone'])).toEqual({ args: { omit: { name: true } }, added: ['email'] });
    expect(withFieldsRead({ where: { id: 1 } }, ['email'])).toEqual({ args: { where: { id: 1 } }, added: [] });
  });

  it('leaves the caller\'s args untouched', () => {
    const args = { select: { name: true } };
    withFieldsRead(args, ['email']);
    expect(args).toEqual({ select: { name: true } });
  });

  it('strips the added fields from one row, from every row of a list, and passes null', () => {
    const row = { name: 'a', email: 'e' };
    stripAddedFields(row, ['email']);
    expect(row).toEqual({ name: 'a' });
    const rows = [{ name: 'a', email: 'e' }, { name: 'b' }];
    stripAddedFields(rows, ['email']);
    expect(rows).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(() => stripAddedFields(null, ['email'])).not.toThrow();
  });
});
