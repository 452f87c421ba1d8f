import fc from 'fast-check';
import { isPrismaKmsError, PrismaKmsErrorCode } from '../errors';
import { buildScheme } from '../field-map';
import { adversarialCall, MARKER } from './__tests__/adversarial-args';
import { fieldMap } from './__tests__/field-map.fixture';
import { planArgs } from './args-walker';
import { isPlainObject, type Path } from './plain-data';

const scheme = buildScheme(fieldMap);

/** Every string in `node` with its path. */
function strings(node: unknown, path: Path = []): [Path, string][] {
  if (typeof node === 'string') return [[path, node]];
  if (Array.isArray(node)) return node.flatMap((item, index) => strings(item, [...path, index]));
  if (isPlainObject(node)) return Object.keys(node).flatMap((key) => strings(node[key], [...path, key]));
  return [];
}

// Issue 9, "Done when": whatever the shape, planArgs either refuses with a typed error or collects every
// plaintext of an encrypted field for encryption, under that field's own name.
describe('planArgs on adversarial arguments (property)', () => {
  it('refuses with a typed error or leaves no plaintext of an encrypted field uncollected', () => {
    fc.assert(
      fc.property(adversarialCall(1), (call) => {
        let plan;
        try {
          plan = planArgs(scheme, call.model, call.operation, call.args);
        } catch (error) {
          expect(isPrismaKmsError(error)).toBe(true);
          if (call.forbidden) expect(error).toMatchObject({ code: PrismaKmsErrorCode.FORBIDDEN_KEY });
          else expect(error).toMatchObject({ code: PrismaKmsErrorCode.AMBIGUOUS_QUERY });
          return;
        }
        expect(call.forbidden).toBe(false);
        const collected = new Map(plan.writes.map((write) => [JSON.stringify(write.path), `${write.model}.${write.field}`]));
        for (const [path, value] of strings(plan.args)) {
          if (!value.startsWith(MARKER)) continue;
          // The marker names the field the generator meant under Prisma's reading.
          expect({ path, field: collected.get(JSON.stringify(path)) }).toEqual({ path, field: value.split('|')[1] });
        }
      }),
      { numRuns: 400 },
    );
  });
});
