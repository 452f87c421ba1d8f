/**
 * The models of the shared schema (prisma/schema.prisma) without its blind indexes, written out by
 * hand so the walker's tests do not depend on a generated client. No field has a `hash` on purpose:
 * these tests pin the refusals on plain encrypted fields; the blind-index tests have their own map
 * (`blind-index/__tests__/fixture.ts`), built with the same builders.
 */
import type { FieldMap } from '../../field-map';
import { fieldsByName, scalar } from '../../field-map/__tests__/builders';

const optional = { isRequired: false } as const;
const userName = scalar('name');
const userEmail = scalar('email');
const userPhone = scalar('phone', 'String', { isRequired: false, dbName: 'phone_number' });
const profileBio = scalar('bio', 'String', optional);
const profileSsn = scalar('ssn', 'String', optional);
const postBody = scalar('body');
const postNote = scalar('secretNote', 'String', optional);
const commentText = scalar('text');
const auditPayload = scalar('payload');
const accountOwner = scalar('owner');
const settingsSecret = scalar('secret', 'String', optional);
const settingsSettings = scalar('settings', 'String', optional);
const settingsWhere = scalar('where', 'String', optional);
const noteLabel = scalar('label', 'String', optional);

export const fieldMap: FieldMap = {
  version: 1,
  provider: 'sqlite',
  models: {
    User: {
      dbName: 'users',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int'), userName, userEmail, userPhone, scalar('role'), scalar('createdAt', 'DateTime')),
      encrypted: fieldsByName(userName, userEmail, userPhone),
      relations: {
        profile: { model: 'Profile', isList: false },
        posts: { model: 'Post', isList: true },
        comments: { model: 'Comment', isList: true },
      },
      uniques: { id: ['id'] },
    },
    Profile: {
      dbName: 'Profile',
      primaryKey: [scalar('id')],
      fields: fieldsByName(scalar('id'), profileBio, profileSsn, scalar('userId', 'Int')),
      encrypted: fieldsByName(profileBio, profileSsn),
      relations: { user: { model: 'User', isList: false } },
      uniques: { id: ['id'], userId: ['userId'] },
    },
    Post: {
      dbName: 'Post',
      primaryKey: [scalar('id')],
      fields: fieldsByName(scalar('id'), scalar('title'), postBody, postNote, scalar('published', 'Boolean'), scalar('authorId', 'Int')),
      encrypted: fieldsByName(postBody, postNote),
      relations: {
        author: { model: 'User', isList: false },
        tags: { model: 'Tag', isList: true },
        comments: { model: 'Comment', isList: true },
      },
      uniques: { id: ['id'] },
    },
    Tag: {
      dbName: 'Tag',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int'), scalar('name')),
      encrypted: {},
      relations: { posts: { model: 'Post', isList: true } },
      uniques: { id: ['id'], name: ['name'] },
    },
    Comment: {
      dbName: 'Comment',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int'), commentText, scalar('postId'), scalar('authorId', 'Int')),
      encrypted: fieldsByName(commentText),
      relations: { post: { model: 'Post', isList: false }, author: { model: 'User', isList: false } },
      uniques: { id: ['id'] },
    },
    AuditEntry: {
      dbName: 'audit_entries',
      primaryKey: [scalar('tenant'), scalar('seq', 'Int')],
      fields: fieldsByName(scalar('tenant'), scalar('seq', 'Int'), auditPayload, scalar('action')),
      encrypted: fieldsByName(auditPayload),
      relations: {},
      uniques: { tenant_seq: ['tenant', 'seq'] },
    },
    // Field names that are words of Prisma's grammar (`data`, `set`, `where`, `is`), and
    // `Settings.settings`, named like the relation from Account.
    Account: {
      dbName: 'Account',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int'), accountOwner),
      encrypted: fieldsByName(accountOwner),
      relations: { settings: { model: 'Settings', isList: false }, notes: { model: 'Note', isList: true } },
      uniques: { id: ['id'] },
    },
    Settings: {
      dbName: 'Settings',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(
        scalar('id', 'Int'), settingsSecret, settingsSettings, scalar('data', 'String', optional), scalar('set', 'String', optional),
        settingsWhere, scalar('is', 'String', optional), scalar('accountId', 'Int'),
      ),
      encrypted: fieldsByName(settingsSecret, settingsSettings, settingsWhere),
      relations: { account: { model: 'Account', isList: false } },
      uniques: { id: ['id'], accountId: ['accountId'] },
    },
    Note: {
      dbName: 'Note',
      primaryKey: [scalar('id', 'Int')],
      fields: fieldsByName(scalar('id', 'Int'), noteLabel, scalar('accountId', 'Int')),
      encrypted: fieldsByName(noteLabel),
      relations: { account: { model: 'Account', isList: false } },
      uniques: { id: ['id'] },
    },
    // A model no encrypted field can be reached from.
    Setting: {
      dbName: 'Setting',
      primaryKey: [scalar('key')],
      fields: fieldsByName(scalar('key'), scalar('value')),
      encrypted: {},
      relations: {},
      uniques: { key: ['key'] },
    },
  },
};
