/**
 * The generator's pure parts, for tools and tests (`@prisma-kms/prisma/generator`). Prisma itself
 * runs the `prisma-kms-generator` bin, which is `./main`.
 */
export { parseAnnotation, ANNOTATION_PROBLEM_CODES } from './annotation';
export type { AnnotationParseResult, AnnotationProblem, AnnotationProblemCode, EncryptedAnnotation } from './annotation';
export { buildFieldMap } from './build-field-map';
export { renderFieldMapFiles } from './emit';
export type { FieldMapFiles } from './emit';
export { EncryptedSchemaError, isEncryptedSchemaError, SCHEMA_PROBLEM_CODES } from './errors';
export type { SchemaProblem, SchemaProblemCode } from './errors';
export { DEFAULT_OUTPUT, fieldMapGenerator } from './handler';
