/**
 * The request's key scope: `prisma.$forScope(id)` and the `scope` resolver of `fieldEncryption`. The
 * scope travels in an AsyncLocalStorage of the extension instance, never in the query arguments (which
 * a caller controls) nor in a global (which concurrent requests share).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidConfigurationError, ScopeMismatchError } from '../errors';
import { requestScopeOf } from '../walker/scope-rules';

/** What a query handler needs to call the next layer. */
type QueryCall = (args: unknown) => Promise<unknown>;

/** The part of a Prisma client `$forScope` uses: `$extends` (absent on an interactive transaction's client). */
interface Extendable {
  $extends?: (extension: unknown) => unknown;
}

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
   * `client` whose queries run in `scope`. On a client that can be extended, an outermost query layer
   * runs every operation inside the scope (whatever extensions come after ours). An interactive
   * transaction's client cannot be extended: there each model method's lazy PrismaPromise is started
   * inside the scope instead.
   */
  forScope<T>(client: T, scope: unknown): T {
    const checked = requestScopeOf(scope, '$forScope');
    const run = <R>(call: () => R): R => {
      const outer = this.storage.getStore();
      if (outer !== undefined && outer !== checked) throw new ScopeMismatchError('(client)', '$forScope', 'request', ['outer $forScope', 'inner $forScope']);
      return this.storage.run(checked, call);
    };
    const extendable = client as Extendable;
    if (typeof extendable.$extends === 'function') {
      return extendable.$extends({
        name: 'prisma-kms/for-scope',
        query: { $allModels: { $allOperations: ({ args, query }: { args: unknown; query: QueryCall }) => run(() => query(args)) } },
      }) as T;
    }
    return scopedTransactionClient(client, run);
  }
}

/** A proxy of an interactive transaction's client whose model methods start their query inside `run`. */
function scopedTransactionClient<T>(client: T, run: <R>(call: () => R) => R): T {
  if (typeof client !== 'object' || client === null) throw new InvalidConfigurationError('$forScope needs a Prisma client.');
  const delegates = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || property.startsWith('$') || typeof value !== 'object' || value === null) return value;
      if (!delegates.has(property)) delegates.set(property, scopedDelegate(value, run));
      return delegates.get(property);
    },
  });
}

function scopedDelegate(delegate: object, run: <R>(call: () => R) => R): unknown {
  return new Proxy(delegate, {
    get(target, property, receiver) {
      const method: unknown = Reflect.get(target, property, receiver);
      if (typeof method !== 'function') return method;
      return (...args: unknown[]) => {
        const lazy = (method as (...a: unknown[]) => PromiseLike<unknown>).apply(target, args);
        // A PrismaPromise sends its query when first awaited: start it inside the scope, now.
        return run(() => Promise.resolve(lazy));
      };
    },
  });
}
