/**
 * A small schema for the blind-index tests, and keyless indexers whose output is readable in
 * assertions. The real HMAC indexer is tested in @prisma-kms/field-crypto and end to end in the
 * integration tests; here only the shape of the rewrite matters.
 *
 *   User     email -> emailHash (@unique, lowercase+trim, 32 bytes), phone -> phoneHash (not unique,
 *            8 bytes: truncated), name (encrypted, no index), role; profile (1-1), posts (1-n)
 *   Profile  ssn -> ssnHash (@unique, 32 bytes); user
 *   Post     body (encrypted, no index); author, comments
 *   Comment  text -> textHash (not unique, 32 bytes)
 *   AuditEntry  compound primary key (tenant, seq)
 */
import type { FieldMap, Normalization } from '../../field-map/types';
import { buildScheme } from '../../field-map/scheme';
import { scalar } from '../../field-map/__tests__/builders';
import type { IndexComputeOptions, IndexedFieldRef, QueryIndexer } from '../query-indexer';

export const fieldMap: FieldMap = {
  version: 1,
  provider: 'sqlite',
  models: {
    User: {
      dbName: 'users',
      primaryKey: [scalar('id', 'Int')],
      fields: {
        id: scalar('id', 'Int', { isUnique: true }),
        email: scalar('email'),
        emailHash: scalar('emailHash', 'String', { isRequired: false, isUnique: true }),
        phone: scalar('phone', 'String', { isRequired: false }),
        phoneHash: scalar('phoneHash', 'String', { isRequired: false }),
        name: scalar('name'),
        role: scalar('role'),
      },
      encrypted: {
        email: { ...scalar('email'), hash: { field: 'emailHash', dbName: 'emailHash', normalize: ['lowercase', 'trim'], bytes: 32, unique: true } },
        phone: { ...scalar('phone', 'String', { isRequired: false }), hash: { field: 'phoneHash', dbName: 'phoneHash', normalize: [], bytes: 8, unique: false } },
        name: scalar('name'),
      },
      relations: { profile: { model: 'Profile', isList: false }, posts: { model: 'Post', isList: true } },
      uniques: { id: ['id'], emailHash: ['emailHash'] },
    },
    Profile: {
      dbName: 'Profile',
      primaryKey: [scalar('id')],
      fields: {
        id: scalar('id', 'String', { isUnique: true }),
        ssn: scalar('ssn', 'String', { isRequired: false }),
        ssnHash: scalar('ssnHash', 'String', { isRequired: false, isUnique: true }),
        userId: scalar('userId', 'Int', { isUnique: true }),
      },
      encrypted: {
        ssn: { ...scalar('ssn', 'String', { isRequired: false }), hash: { field: 'ssnHash', dbName: 'ssnHash', normalize: [], bytes: 32, unique: true } },
      },
      relations: { user: { model: 'User', isList: false } },
      uniques: { id: ['id'], userId: ['userId'], ssnHash: ['ssnHash'] },
    },
    Post: {
      dbName: 'Post',
      primaryKey: [scalar('id')],
      fields: { id: scalar('id'), title: scalar('title'), body: scalar('body'), authorId: scalar('authorId', 'Int') },
      encrypted: { body: scalar('body') },
      relations: { author: { model: 'User', isList: false }, comments: { model: 'Comment', isList: true } },
      uniques: { id: ['id'] },
    },
    Comment: {
      dbName: 'Comment',
      primaryKey: [scalar('id', 'Int')],
      fields: { id: scalar('id', 'Int'), text: scalar('text'), textHash: scalar('textHash', 'String', { isRequired: false }), postId: scalar('postId') },
      encrypted: { text: { ...scalar('text'), hash: { field: 'textHash', dbName: 'textHash', normalize: [], bytes: 32, unique: false } } },
      relations: { post: { model: 'Post', isList: false } },
      uniques: { id: ['id'] },
    },
    AuditEntry: {
      dbName: 'audit_entries',
      primaryKey: [scalar('tenant'), scalar('seq', 'Int')],
      fields: { tenant: scalar('tenant'), seq: scalar('seq', 'Int'), payload: scalar('payload') },
      encrypted: { payload: scalar('payload') },
      relations: {},
      uniques: { tenant_seq: ['tenant', 'seq'] },
    },
  },
};

export const scheme = buildScheme(fieldMap);

/** Lowercase and trim, the steps the fixture uses; the real normalize lives in field-crypto. */
export function testNormalize(value: string, steps: readonly Normalization[]): string {
  let result = value;
  if (steps.includes('lowercase')) result = result.toLowerCase();
  if (steps.includes('trim')) result = result.trim();
  return result;
}

/**
 * A readable, keyless indexer: `v<version>:<Model.field>:<normalized value>`, truncated to `bytes`
 * characters after the prefix when `collideAfter` is set, so that tests can force collisions
 * (`collideAfter: 1` makes every value with the same first character share an index).
 */
export function testIndexer(options: { versions?: readonly number[]; collideAfter?: number } = {}): QueryIndexer & { calls: number } {
  const versions = options.versions ?? [1];
  const indexer = {
    calls: 0,
    compute(field: IndexedFieldRef, value: string, opts: IndexComputeOptions): string {
      return indexer.computeAll(field, value, opts)[0]!;
    },
    computeAll(field: IndexedFieldRef, value: string, opts: IndexComputeOptions): string[] {
      indexer.calls++;
      const normalized = testNormalize(value, opts.normalize);
      const kept = opts.bytes < 32 && options.collideAfter !== undefined ? normalized.slice(0, options.collideAfter) : normalized;
      return versions.map((version) => `v${version}:${field.model}.${field.field}:${kept}`);
    },
    normalize: testNormalize,
  };
  return indexer;
}
