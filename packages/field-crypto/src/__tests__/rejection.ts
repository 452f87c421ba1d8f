/**
 * Test support: what a promise rejects with, for tests that assert on the error's fields rather than
 * only its class. A promise that resolves fails the test.
 */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
