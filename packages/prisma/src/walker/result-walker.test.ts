import { buildScheme } from '../field-map';
import { fieldMap } from './__tests__/field-map.fixture';
import { collectReadTargets, collectRowTargets, type ReadTarget } from './result-walker';

const scheme = buildScheme(fieldMap);

function reads(model: string, operation: string, args: unknown, result: unknown): Record<string, string> {
  return Object.fromEntries(
    collectReadTargets(scheme, model, operation, args, result).map((target) => [target.path.join('.'), `${target.model}.${target.field}=${target.stored}`]),
  );
}

describe('collectReadTargets', () => {
  it('lists the encrypted fields of every row of a findMany and skips null', () => {
    const rows = [
      { id: 1, name: 'n1', email: 'e1', phone: null, role: 'r' },
      { id: 2, name: 'n2', email: 'e2', phone: 'p2', role: 'r' },
    ];
    expect(reads('User', 'findMany', {}, rows)).toEqual({
      '0.name': 'User.name=n1',
      '0.email': 'User.email=e1',
      '1.name': 'User.name=n2',
      '1.email': 'User.email=e2',
      '1.phone': 'User.phone=p2',
    });
  });

  it('follows nested include/select at any depth, switching models, through a model without encrypted fields', () => {
    const user = {
      id: 1,
      email: 'e',
      profile: { id: 'x', ssn: 's', bio: null },
      posts: [{ id: 'p', body: 'b', tags: [{ id: 1, name: 'tag', posts: [{ id: 'q', secretNote: 'deep' }] }], comments: [{ text: 't' }] }],
      _count: { posts: 1 },
    };
    expect(reads('User', 'findUnique', { where: { id: 1 }, include: { profile: true, posts: { include: { tags: true } } } }, user)).toEqual({
      email: 'User.email=e',
      'profile.ssn': 'Profile.ssn=s',
      'posts.0.body': 'Post.body=b',
      'posts.0.tags.0.posts.0.secretNote': 'Post.secretNote=deep',
      'posts.0.comments.0.text': 'Comment.text=t',
    });
  });

  it('reads the rows returned by writes, deletes and createManyAndReturn', () => {
    expect(reads('Post', 'create', { data: {} }, { id: 'p', body: 'b' })).toEqual({ body: 'Post.body=b' });
    expect(reads('Post', 'delete', { where: { id: 'p' } }, { id: 'p', body: 'b' })).toEqual({ body: 'Post.body=b' });
    expect(reads('Comment', 'createManyAndReturn', { data: [] }, [{ text: 'a' }, { text: 'b' }])).toEqual({
      '0.text': 'Comment.text=a',
      '1.text': 'Comment.text=b',
    });
  });

  it('finds nothing in counts, batch payloads and aggregates', () => {
    expect(reads('User', 'count', {}, 3)).toEqual({});
    expect(reads('User', 'updateMany', {}, { count: 3 })).toEqual({});
    expect(reads('User', 'aggregate', {}, { _count: { _all: 3 } })).toEqual({});
    expect(reads('User', 'findUnique', {}, null)).toEqual({});
  });

  it('sees through the fluent API: a to-many relation comes back as an array of the related model', () => {
    const posts = [{ id: 'p', body: 'b' }];
    expect(reads('User', 'findUnique', { where: { id: 1 }, select: { posts: true } }, posts)).toEqual({ '0.body': 'Post.body=b' });
  });

  it('sees through a nested fluent chain (.profile().user())', () => {
    const user = { id: 1, name: 'n', email: 'e', phone: null };
    expect(reads('User', 'findUniqueOrThrow', { where: { id: 1 }, select: { profile: { select: { user: true } } } }, user)).toEqual({
      name: 'User.name=n',
      email: 'User.email=e',
    });
    const profile = { id: 'x', bio: 'b', ssn: null, userId: 1 };
    expect(reads('Post', 'findFirst', { select: { author: { select: { profile: true } } } }, profile)).toEqual({ bio: 'Profile.bio=b' });
  });

  it('keeps a fluent call with its own arguments on the related model', () => {
    const posts = [{ id: 'p', body: 'b', comments: [{ text: 't' }] }];
    expect(reads('User', 'findUnique', { where: { id: 1 }, select: { posts: { include: { comments: true } } } }, posts)).toEqual({
      '0.body': 'Post.body=b',
      '0.comments.0.text': 'Comment.text=t',
    });
  });

  it('does not mistake a plain single-relation select for the fluent API', () => {
    expect(reads('User', 'findUnique', { select: { posts: true } }, { posts: [{ body: 'b' }] })).toEqual({ 'posts.0.body': 'Post.body=b' });
    expect(reads('User', 'findUnique', { select: { profile: true } }, { profile: null })).toEqual({});
    // findMany is never fluent: an array is a list of Users.
    expect(reads('User', 'findMany', { select: { posts: true } }, [{ posts: [{ body: 'b' }] }])).toEqual({ '0.posts.0.body': 'Post.body=b' });
  });
});

describe('collectReadTargets: the fluent API decided by shape (issue 9 finding 4)', () => {
  it('decrypts a related row that has a field named like the relation (Settings.settings)', () => {
    const row = { id: 1, secret: 's', settings: 't', data: null, set: null, where: 'w', is: null, accountId: 1 };
    expect(reads('Account', 'findUnique', { where: { id: 1 }, select: { settings: true } }, row)).toEqual({
      secret: 'Settings.secret=s',
      settings: 'Settings.settings=t',
      where: 'Settings.where=w',
    });
    expect(reads('Account', 'findUnique', { where: { id: 1 }, select: { settings: { select: { settings: true } } } }, { settings: 't' })).toEqual({
      settings: 'Settings.settings=t',
    });
  });

  it('keeps the parent reading for a select of the relation, and accepts a shape whose readings read the same', () => {
    expect(reads('Account', 'findUnique', { select: { settings: true } }, { settings: { id: 1, settings: 't' } })).toEqual({
      'settings.settings': 'Settings.settings=t',
    });
    expect(reads('Account', 'findUnique', { select: { settings: true } }, { settings: null })).toEqual({});
  });
});

describe('collectRowTargets', () => {
  it('finds in a stretch of rows what collectReadTargets finds there, with paths into the whole list, and stops at its end', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: i, name: `n${i}`, email: `e${i}`, phone: i % 2 ? `p${i}` : null, posts: i === 4 ? [{ id: 1, title: 't', body: 'b' }] : [] }));
    const whole = collectReadTargets(scheme, 'User', 'findMany', {}, rows);
    const stretches: ReadTarget[] = [];
    for (const [from, to] of [[0, 3], [3, 8], [8, 64]] as const) collectRowTargets(scheme, 'User', rows, from, to, stretches);
    expect(stretches).toEqual(whole);
    const middle: ReadTarget[] = [];
    collectRowTargets(scheme, 'User', rows, 4, 5, middle);
    expect(middle.map((target) => target.path.join('.'))).toEqual(['4.name', '4.email', '4.posts.0.body']);
  });
});
