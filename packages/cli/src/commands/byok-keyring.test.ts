import { kmsKeyring, localAesKeyring, generateLocalKey } from '@prisma-kms/field-crypto';
import { byokKeyring } from './byok-keyring';

const ARN_A = 'arn:aws:kms:eu-west-1:111122223333:key/aaaaaaaa-0000-0000-0000-000000000001';
const ARN_B = 'arn:aws:kms:eu-west-1:111122223333:key/bbbbbbbb-0000-0000-0000-000000000002';

describe('byokKeyring', () => {
  const own = kmsKeyring({ generatorKeyId: ARN_A, region: 'eu-west-1' });
  const scopeKeyring = (scope: string) => (scope === 'acme' ? own : undefined);

  it("is the config's scopeKeyring(scope): the keyring the application unwraps that scope's rows with", () => {
    expect(byokKeyring('acme', scopeKeyring, undefined)).toBe(own);
    expect(byokKeyring('acme', scopeKeyring, ARN_A)).toBe(own);
    expect(byokKeyring('other', scopeKeyring, undefined)).toBeUndefined();
    expect(byokKeyring('', scopeKeyring, undefined)).toBeUndefined();
  });

  it('refuses --kms-key-id that the application would not use for the scope', () => {
    expect(() => byokKeyring('other', scopeKeyring, ARN_A)).toThrow(/gives no keyring for scope "other"/);
    expect(() => byokKeyring('acme', scopeKeyring, ARN_B)).toThrow(/not that KMS key alone \(it names arn:aws:kms:eu-west-1:111122223333:key\/aaaa/);
    expect(() => byokKeyring('acme', undefined, ARN_A)).toThrow(expect.objectContaining({ code: 'KEY_STORE_REFUSED' }));
    expect(() => byokKeyring('', scopeKeyring, ARN_A)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    const local = localAesKeyring({ key: generateLocalKey() }, { keyName: 'k' });
    expect(() => byokKeyring('acme', () => local, ARN_A)).toThrow(/not a KMS keyring/);
    const two = kmsKeyring({ generatorKeyId: ARN_A, keyIds: [ARN_B], region: 'eu-west-1' });
    expect(() => byokKeyring('acme', () => two, ARN_A)).toThrow(/not that KMS key alone/);
  });
});
