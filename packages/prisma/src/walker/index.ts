/**
 * The query walker: pure functions from (schema, model, operation, arguments | result) to the
 * encrypted values a query writes or reads. No I/O and no crypto here; the extension batches the
 * crypto and writes the values back. Blind indexes are computed by the indexer passed in (HMACs,
 * synchronous and in memory).
 */
export { planArgs, type ArgsPlan, type PlanOptions, type UniqueLookup, type WriteTarget } from './args-walker';
export { collectReadTargets, collectRowTargets, type ReadTarget } from './result-walker';
export { checkFilter, checkFieldFilter, refuseEncrypted } from './filter-policy';
export { copyPlain, isPlainObject, setAtPath, type Path } from './plain-data';
