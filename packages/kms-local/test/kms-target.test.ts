/** The shared KMS test target: which KMS the environment selects, and the kms-local target's handles. */
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { describeOnKmsLocal, openKmsTarget, selectKmsTarget } from '../src/testing';

describe('selectKmsTarget', () => {
  it('is kms-local when nothing is set', () => {
    expect(selectKmsTarget({})).toMatchObject({ kind: 'kms-local', endpoint: undefined });
  });

  it('an endpoint alone selects it (LocalStack), with the Region from AWS_REGION', () => {
    expect(selectKmsTarget({ PKMS_KMS_ENDPOINT: 'http://localhost:4566', AWS_REGION: 'eu-west-1' })).toMatchObject({
      kind: 'endpoint',
      endpoint: 'http://localhost:4566',
      region: 'eu-west-1',
    });
  });

  it('PKMS_KMS_TARGET=aws selects AWS; PKMS_KMS_REGION wins over AWS_REGION', () => {
    expect(selectKmsTarget({ PKMS_KMS_TARGET: 'aws', AWS_REGION: 'eu-west-1', PKMS_KMS_REGION: 'eu-central-1' })).toMatchObject({
      kind: 'aws',
      region: 'eu-central-1',
    });
  });

  it.each([
    [{ PKMS_KMS_TARGET: 'localstack' }],
    [{ PKMS_KMS_TARGET: 'endpoint' }],
    [{ PKMS_KMS_TARGET: 'aws', PKMS_KMS_ENDPOINT: 'http://localhost:4566' }],
    [{ PKMS_KMS_TARGET: 'kms-local', PKMS_KMS_ENDPOINT: 'http://localhost:4566' }],
  ])('refuses a contradictory or unknown setting %p rather than silently testing kms-local', (env) => {
    expect(() => selectKmsTarget(env)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('describeOnKmsLocal', () => {
  const fakeDescribe = Object.assign(() => 'run', { skip: () => 'skipped' });

  it('returns describe itself on kms-local', () => {
    expect(describeOnKmsLocal(fakeDescribe, 'drills', {})).toBe(fakeDescribe);
  });

  it('returns describe.skip on an external target and says why on stderr', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(describeOnKmsLocal(fakeDescribe, 'drills', { PKMS_KMS_ENDPOINT: 'http://localhost:4566' })).toBe(fakeDescribe.skip);
      expect(String(write.mock.calls[0]?.[0])).toContain('skipping drills');
      expect(String(write.mock.calls[0]?.[0])).toContain('http://localhost:4566');
    } finally {
      write.mockRestore();
    }
  });
});

describe('openKmsTarget on kms-local', () => {
  it('creates keys through the API (counted), with an alias, and exposes counters and faults', async () => {
    const target = await openKmsTarget({});
    try {
      expect(target.kind).toBe('kms-local');
      expect(target.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { keyId, arn } = await target.createKey({ alias: 'alias/target-test' });
      expect(arn).toBe(`arn:aws:kms:${target.region}:${target.local!.accountId}:key/${keyId}`);
      const { KeyMetadata } = await target.client().send(new DescribeKeyCommand({ KeyId: 'alias/target-test' }));
      expect(KeyMetadata?.Arn).toBe(arn);
      expect(target.calls()).toEqual({ CreateKey: 1, CreateAlias: 1, DescribeKey: 1 });
      target.resetCalls();
      expect(target.calls()).toEqual({});
      target.faults!.failNext(1, 'ThrottlingException', 'DescribeKey');
      await expect(target.client().send(new DescribeKeyCommand({ KeyId: arn }))).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect(target.clientConfig('AKIAREADER').credentials?.accessKeyId).toBe('AKIAREADER');
    } finally {
      await target.close();
    }
  });
});
