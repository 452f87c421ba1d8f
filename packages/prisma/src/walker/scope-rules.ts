/**
 * Key scopes in query arguments (SCOPES.md): which scope a write's values are encrypted under, which
 * scope a blind-index comparison is hashed under, and the condition that keeps a scoped request's
 * updates and deletes inside its scope. Pure functions of one node of the arguments; the walker calls
 * them on each node it visits.
 */
import { scopeProblem } from '@prisma-kms/field-crypto';
import { InvalidScopeError, ScopeMismatchError, ScopeRequiredError } from '../errors';
import type { ModelScheme } from '../field-map';
import { REQUEST_SCOPE } from '../field-map/types';
import { isPlainObject } from './plain-data';
import { writtenValue } from './query-grammar';

/**
 * A scope value as the key store names it: a string as it is, an integer or a bigint as its decimal
 * string. Returns the problem instead when the value cannot name a scope (field-crypto's `scopeProblem`
 * decides for strings: the key store must accept every scope the walker lets through).
 *
 * @example
 * ```ts
 * scopeOf('acme');   // { scope: 'acme' }
 * scopeOf(42n);      // { scope: '42' }
 * scopeOf('');       // { problem: 'must not be empty (...)' }
 * ```
 */
export function scopeOf(value: unknown): { readonly scope: string } | { readonly problem: string } {
  let scope: string;
  if (typeof value === 'string') scope = value;
  else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) scope = value.toString();
  else return { problem: `is ${value === null ? 'null' : `of type ${typeof value}`}` };
  const problem = scopeProblem(scope);
  return problem === undefined ? { scope } : { problem };
}

/**
 * The request scope given to `$forScope` or returned by the resolver, checked. Throws
 * {@link InvalidScopeError} naming `source`.
 */
export function requestScopeOf(value: unknown, source: string): string {
  const result = scopeOf(value);
  if ('problem' in result) throw new InvalidScopeError(source, result.problem);
  return result.scope;
}

/** What decides the scope of one write node. */
export interface WriteScopeSources {
  /** `create` data must set the scope field itself; `update` data may take it from the where or the request. */
  readonly kind: 'create' | 'update';
  /** The scope the node's where pins by equality (see {@link wherePin}). */
  readonly where?: string | undefined;
  /** The request's scope. */
  readonly request?: string | undefined;
}

/**
 * The scope one `data` object of `model` is written under (rules 1-4 of SCOPES.md), or undefined when
 * the model is not scoped or the data writes no encrypted value and names no scope. Throws
 * {@link ScopeRequiredError} when the data writes an encrypted value and no scope is determined,
 * {@link ScopeMismatchError} when two sources disagree, {@link InvalidScopeError} when the data sets the
 * scope field to a value that cannot name a scope.
 *
 * @example
 * ```ts
 * writeScope(tenantMember, { tenantId: 'acme', name: 'Ada' }, { kind: 'create' });            // 'acme'
 * writeScope(tenantMember, { name: 'Ada' }, { kind: 'update', where: 'acme' });               // 'acme'
 * writeScope(tenantMember, { name: 'Ada' }, { kind: 'create', request: 'acme' });             // throws SCOPE_REQUIRED
 * ```
 */
export function writeScope(model: ModelScheme, data: Record<string, unknown>, sources: WriteScopeSources): string | undefined {
  const scope = model.scope;
  if (scope === undefined) return undefined;
  const needing = encryptedFieldWritten(model, data);
  if (scope.source === 'request') {
    if (needing !== undefined && sources.request === undefined) throw new ScopeRequiredError(model.name, needing, REQUEST_SCOPE);
    return sources.request;
  }
  const field = needing ?? scope.field;
  let fromData: string | undefined;
  if (data[scope.field] !== undefined) {
    const set = scopeOf(writtenValue(data[scope.field]));
    if ('scope' in set) fromData = set.scope;
    else if (needing !== undefined) throw new InvalidScopeError(`${model.name}.${scope.field} in the data`, set.problem, { model: model.name, field: scope.field });
  }
  agree(model, field, scope.field, [['data', fromData], ['where', sources.where], ['request', sources.request]]);
  const chosen = fromData ?? sources.where ?? (sources.kind === 'create' ? undefined : sources.request);
  if (needing !== undefined && chosen === undefined) throw new ScopeRequiredError(model.name, needing, scope.field);
  return chosen;
}

/**
 * The scope a blind-index comparison on `field` is hashed under: the scope the where pins (`pinned`),
 * else the request's. Throws {@link ScopeRequiredError} when neither is known (equality across scopes
 * would need every scope's key), {@link ScopeMismatchError} when they differ.
 */
export function filterScope(model: ModelScheme, field: string, pinned: string | undefined, request: string | undefined): string {
  const scope = model.scope;
  if (scope === undefined) throw new Error(`filterScope: ${model.name} is not scoped`); // not reached: callers check
  const scopeField = scope.source === 'field' ? scope.field : REQUEST_SCOPE;
  agree(model, field, scopeField, [['where', pinned], ['request', request]]);
  const chosen = pinned ?? request;
  if (chosen === undefined) throw new ScopeRequiredError(model.name, field, scopeField);
  return chosen;
}

/**
 * The scope a where of `model` pins its scope field to by equality, at its top level: `F: v`,
 * `F: { equals: v }` (nothing else beside `equals`: `mode: 'insensitive'` would match other scopes), a
 * compound unique input holding `F`, or any of these inside `AND`. Undefined when it pins none (or the
 * model is not scoped by a field, or the value cannot name a scope). Two different pins in one where
 * throw {@link ScopeMismatchError}.
 *
 * @example
 * ```ts
 * wherePin(tenantMember, { tenantId: 'acme', email: 'a@b.c' });     // 'acme'
 * wherePin(tenantMember, { tenantId: { in: ['acme', 'globex'] } }); // undefined
 * ```
 */
export function wherePin(model: ModelScheme, where: unknown): string | undefined {
  const scope = model.scope;
  if (scope?.source !== 'field' || !isPlainObject(where)) return undefined;
  const pins: (string | undefined)[] = [];
  const visit = (node: Record<string, unknown>): void => {
    pins.push(pinOf(node[scope.field]));
    for (const [key, fields] of Object.entries(model.info.uniques)) {
      const compound = node[key];
      if (fields.length > 1 && fields.includes(scope.field) && isPlainObject(compound)) pins.push(pinOf(compound[scope.field]));
    }
    const and = node.AND;
    for (const item of Array.isArray(and) ? and : [and]) if (isPlainObject(item)) visit(item);
  };
  visit(where);
  const found = pins.filter((pin): pin is string => pin !== undefined);
  agree(model, scope.field, scope.field, found.map((pin) => ['where', pin] as const));
  return found[0];
}

/**
 * `where` (of an update, upsert or delete) narrowed to the rows of `scope`: `F: scope` added beside the
 * caller's conditions, inside `AND` when the caller already filters `F` in another way. Throws
 * {@link ScopeMismatchError} when the where pins another scope.
 */
export function whereInScope(model: ModelScheme, where: unknown, scope: string): Record<string, unknown> {
  const source = model.scope;
  if (source?.source !== 'field') throw new Error(`whereInScope: ${model.name} is not scoped by a field`); // not reached
  const pinned = wherePin(model, where);
  agree(model, source.field, source.field, [['where', pinned], ['request', scope]]);
  const base: Record<string, unknown> = isPlainObject(where) ? { ...where } : {};
  if (pinned !== undefined) return base;
  if (base[source.field] === undefined) {
    base[source.field] = scope;
    return base;
  }
  const and = base.AND;
  base.AND = [...(Array.isArray(and) ? and : and === undefined ? [] : [and]), { [source.field]: scope }];
  return base;
}

/** The first encrypted field `data` sets to a string (a value that needs a key), if any. */
function encryptedFieldWritten(model: ModelScheme, data: Record<string, unknown>): string | undefined {
  for (const field of model.encryptedFields) if (typeof writtenValue(data[field]) === 'string') return field;
  return undefined;
}

function pinOf(filter: unknown): string | undefined {
  const value = isPlainObject(filter) ? (Object.keys(filter).length === 1 && Object.hasOwn(filter, 'equals') ? filter.equals : undefined) : filter;
  const result = scopeOf(value);
  return 'scope' in result ? result.scope : undefined;
}

/** Throws {@link ScopeMismatchError} naming the first two sources whose (defined) scopes differ. */
function agree(model: ModelScheme, field: string, scopeField: string, sources: readonly (readonly [string, string | undefined])[]): void {
  const known = sources.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  const first = known[0];
  const other = known.find(([, scope]) => scope !== first?.[1]);
  if (first !== undefined && other !== undefined) throw new ScopeMismatchError(model.name, field, scopeField, [first[0], other[0]]);
}
