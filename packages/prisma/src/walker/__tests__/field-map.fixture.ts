/**
 * The field map of the shared schema (prisma/schema.prisma), written out by hand so the walker's
 * tests do not depend on a generated client.
 */
import type { FieldMap, ScalarRef } from '../../field-map';

function scalar(name: string, type = 'String', isRequired = true, dbName = name): ScalarRef {
  return { name, dbName, type, isRequired };
}

function fields(...refs: ScalarRef[]): Record<string, ScalarRef> {
  return Object.fromEntries(refs.map((ref) => [ref.name, ref]));
}

const userName = scalar('name');
const userEmail = scalar('email');
const userPhone = scalar('phone', 'String', false, 'phone_number');
const profileBio = scalar('bio', 'String', false);
const profileSsn = scalar('ssn', 'String', false);
const postBody = scalar('body');
const postNote = scalar('secretNote', 'String', false);
const commentText = scalar('text');
const auditPayload = scalar('payload');

export const fieldMap: FieldMap = {
  version: 1,
  provider: 'sqlite',
  models: {
    User: {
      dbName: 'users',
      primaryKey: [scalar('id', 'Int')],
      fields: fields(scalar('id', 'Int'), userName, userEmail, userPhone, scalar('role'), scalar('createdAt', 'DateTime')),
      encrypted: fields(userName, userEmail, userPhone),
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
      fields: fields(scalar('id'), profileBio, profileSsn, scalar('userId', 'Int')),
      encrypted: fields(profileBio, profileSsn),
      relations: { user: { model: 'User', isList: false } },
      uniques: { id: ['id'], userId: ['userId'] },
    },
    Post: {
      dbName: 'Post',
      primaryKey: [scalar('id')],
      fields: fields(scalar('id'), scalar('title'), postBody, postNote, scalar('published', 'Boolean'), scalar('authorId', 'Int')),
      encrypted: fields(postBody, postNote),
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
      fields: fields(scalar('id', 'Int'), scalar('name')),
      encrypted: {},
      relations: { posts: { model: 'Post', isList: true } },
      uniques: { id: ['id'], name: ['name'] },
    },
    Comment: {
      dbName: 'Comment',
      primaryKey: [scalar('id', 'Int')],
      fields: fields(scalar('id', 'Int'), commentText, scalar('postId'), scalar('authorId', 'Int')),
      encrypted: fields(commentText),
      relations: { post: { model: 'Post', isList: false }, author: { model: 'User', isList: false } },
      uniques: { id: ['id'] },
    },
    AuditEntry: {
      dbName: 'audit_entries',
      primaryKey: [scalar('tenant'), scalar('seq', 'Int')],
      fields: fields(scalar('tenant'), scalar('seq', 'Int'), auditPayload, scalar('action')),
      encrypted: fields(auditPayload),
      relations: {},
      uniques: { tenant_seq: ['tenant', 'seq'] },
    },
    // A model no encrypted field can be reached from.
    Setting: {
      dbName: 'Setting',
      primaryKey: [scalar('key')],
      fields: fields(scalar('key'), scalar('value')),
      encrypted: {},
      relations: {},
      uniques: { key: ['key'] },
    },
  },
};
