/**
 * The shape a config module must have, checked once when it loads so the engine can trust it.
 * The field map is checked for the parts the CLI reads (tables, primary keys, encrypted columns);
 * anything else the generator emits passes through untouched.
 */
import { z } from 'zod';

const scalarRefSchema = z.looseObject({
  name: z.string().min(1),
  dbName: z.string().min(1),
  type: z.string().min(1),
  isRequired: z.boolean().optional(),
});

const blindIndexSchema = z.looseObject({
  dbName: z.string().min(1),
  normalize: z.array(z.string()).optional(),
  bytes: z.number().int().positive().optional(),
});

/** Where a scoped model's key scope comes from (`/// @encrypted(scope: <field> | request)`). */
const modelScopeSchema = z.discriminatedUnion('source', [
  z.looseObject({ source: z.literal('field'), field: z.string().min(1), dbName: z.string().min(1), type: z.string().min(1) }),
  z.looseObject({ source: z.literal('request') }),
]);

const modelInfoSchema = z.looseObject({
  dbName: z.string().min(1),
  primaryKey: z.array(scalarRefSchema),
  encrypted: z.record(z.string(), scalarRefSchema.extend({ hash: blindIndexSchema.optional() })),
  scope: modelScopeSchema.optional(),
});

/** The generated field map, as far as the CLI reads it. */
export const fieldMapSchema = z.looseObject({
  provider: z.string().min(1),
  models: z.record(z.string(), modelInfoSchema),
});

export type FieldMap = z.output<typeof fieldMapSchema>;

const providerSchema = z.enum(['postgresql', 'sqlite', 'mysql']);

const isObjectOrFunction = (value: unknown): boolean =>
  typeof value === 'function' || (typeof value === 'object' && value !== null);

/** A value the user may give directly or as a factory; resolved later by `provide`. */
const providedSchema = z.custom<unknown>(isObjectOrFunction, {
  message: 'expected an object or a function returning one',
});

/** The config module's default export. */
export const configSchema = z.object({
  fields: fieldMapSchema,
  cipher: providedSchema,
  database: providedSchema,
  provider: providerSchema.optional(),
  keyrings: z.record(z.string(), providedSchema).optional(),
  blindIndexer: providedSchema.optional(),
  keyring: providedSchema.optional(),
  indexKeyContext: z
    .record(z.string(), z.string())
    .refine((context) => Object.keys(context).every((k) => !k.startsWith('prisma-kms:') && !k.startsWith('aws-crypto-')), {
      message: 'keys starting with prisma-kms: or aws-crypto- are reserved',
    })
    .optional(),
  indexKeyFile: z.string().min(1).optional(),
  keyStore: z
    .object({
      name: z.string().min(1),
      storage: providedSchema,
      keyring: providedSchema.optional(),
      scopeKeyring: z.custom<unknown>((value) => typeof value === 'function', { message: 'expected a function of the scope' }).optional(),
      blindIndexer: z.custom<unknown>((value) => typeof value === 'function', { message: 'expected a function of the scope' }).optional(),
    })
    .optional(),
  checkpointDir: z.string().min(1).optional(),
  batchSize: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
  cryptoWorkers: z.number().int().nonnegative().optional(),
});

/** Renders zod issues as `path: message` lines (paths only: values never appear). */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}
