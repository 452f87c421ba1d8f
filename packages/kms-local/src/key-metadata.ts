/** The `KeyMetadata` structure of CreateKey and DescribeKey, as AWS fills it for a customer managed key. */
import { keyArn, type ServiceLocation } from './arn';
import { currentMaterial } from './key-store';
import { keyUsageOf, type KeyRecord } from './state';

export function keyMetadata(key: KeyRecord, location: ServiceLocation): Record<string, unknown> {
  const arn = keyArn(location, key.keyId);
  const symmetric = key.keySpec === 'SYMMETRIC_DEFAULT';
  return {
    AWSAccountId: location.accountId,
    KeyId: key.keyId,
    Arn: arn,
    CreationDate: key.createdAt / 1000,
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: keyUsageOf(key.keySpec),
    KeyState: key.state,
    ...(key.deletionDate !== undefined ? { DeletionDate: key.deletionDate / 1000 } : {}),
    ...(key.pendingWindowInDays !== undefined ? { PendingDeletionWindowInDays: key.pendingWindowInDays } : {}),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...(symmetric ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : { MacAlgorithms: ['HMAC_SHA_256'] }),
    MultiRegion: key.multiRegion,
    ...(key.multiRegion
      ? { MultiRegionConfiguration: { MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: arn, Region: location.region }, ReplicaKeys: [] } }
      : {}),
    ...(symmetric ? { CurrentKeyMaterialId: currentMaterial(key).id } : {}),
  };
}
