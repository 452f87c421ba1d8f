/**
 * The request's key scope: `prisma.$forScope(id)` and the `scope` resolver of `fieldEncryption`. The
 * scope travels in an AsyncLocalStorage of the extension instance, never in the query arguments (which
 * a caller controls) nor in a global (which concurrent requests share).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidConfigurationError, ScopeMismatchError } from '../errors';
import { requestScopeOf } from '../walker/scope-rules';

export class RequestScopes {
  private readonly storage = new AsyncLocalStorage<string>();

  constructor(private readonly resolver: (() => string | undefined) | undefined) {}

  /**
   * The scope of the query running now: the `$forScope` it runs under, else the resolver's answer
   * (checked: an invalid scope throws `InvalidScopeError`), else undefined.
   */
  current(): string | undefined {
    const forced = this.storage.getStore();
    if (forced !== undefined) return forced;
    if (this.resolver === undefined) return undefined;
    const resolved = this.resolver();
    return resolved === undefined ? undefined : requestScopeOf(resolved, 'the scope resolver of fieldEncryption');
  }

  /**
   * `client` whose queries run in `scope`. Prisma runs the first extension added outermost, so a query
   * layer added on top would run after ours: instead, each query the returned client builds is started
   * inside the scope. A PrismaPromise is lazy (it sends its query when first awaited, or when a batch
   * `$transaction` takes it), so the proxy wraps those entry points; `$transaction(callback)` runs the
   * whole callback inside the scope.
   */
  forScope<T>(client: T, scope: unknown): T {
    const checked = requestScopeOf(scope, '$forScope');
    const run = <R>(call: () => R): R => {
      const outer = this.storage.getStore();
      if (outer !== undefined && outer !== checked) throw nestedMismatch();
      return this.storage.run(checked, call);
    };
    if (typeof client !== 'object' || client === null) throw new InvalidConfigurationError('$forScope needs a Prisma client.');
    return scopedClient(client, checked, run);
  }
}

type Run = <R>(call: () => R) => R;

/** `$forScope(a)` inside or on top of `$forScope(b)`: one query cannot run in two scopes. */
function nestedMismatch(): ScopeMismatchError {
  return new ScopeMismatchError('(client)', '$forScope', 'request', ['outer $forScope', 'inner $forScope']);
}

/** The entry points of a PrismaPromise that send its query. */
const STARTS = new Set<PropertyKey>(['then', 'catch', 'finally', 'requestTransaction']);

/** A proxy of a client whose model methods build queries that start inside `run`. */
function scopedClient<T extends object>(client: T, scope: string, run: Run): T {
  const delegates = new Map<PropertyKey, unknown>();
  const proxy: T = new Proxy(client, {
    get(target, property) {
      if (property === '$forScope') {
        return (again: unknown) => {
          if (requestScopeOf(again, '$forScope') !== scope) throw nestedMismatch();
          return proxy;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      if (property === '$transaction' && typeof value === 'function') {
        return (...args: unknown[]) => run(() => (value as (...a: unknown[]) => unknown).apply(target, args));
      }
      if (typeof property !== 'string' || property.startsWith('$') || typeof value !== 'object' || value === null) {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      if (!delegates.has(property)) delegates.set(property, scopedMethods(value, run));
      return delegates.get(property);
    },
  });
  return proxy;
}

/** A model delegate (or a fluent PrismaPromise) whose methods return queries that start inside `run`. */
function scopedMethods(delegate: object, run: Run): unknown {
  return new Proxy(delegate, {
    get(target, property) {
      const method: unknown = Reflect.get(target, property, target);
      if (typeof method !== 'function') return method;
      return (...args: unknown[]) => scopedQuery((method as (...a: unknown[]) => unknown).apply(target, args), run);
    },
  });
}

/** A lazy PrismaPromise whose query starts inside `run`; its fluent methods (`.posts()`) too. */
function scopedQuery(query: unknown, run: Run): unknown {
  if (typeof query !== 'object' || query === null || typeof (query as { then?: unknown }).then !== 'function') return query;
  return new Proxy(query, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const call = (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
      return STARTS.has(property) ? (...args: unknown[]) => run(() => call(...args)) : (...args: unknown[]) => scopedQuery(call(...args), run);
    },
  });
}
