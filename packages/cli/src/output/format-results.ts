/**
 * Renders command results for people (aligned text) and for scripts (`--json`). Values never appear:
 * only names, counts, primary keys and error codes.
 */
import { KEY_STORE_PROVIDER_ID } from '@prisma-kms/field-crypto';
import type { FieldStatus, StatusReport } from '../engine/collect-status';
import { remainingTotal, type TableMigrationResult, type ValueFailure } from '../engine/run-migration';
import type { TableVerifyResult } from '../engine/verify-values';
import { MALFORMED_FAILURE } from '../engine/value-state';
import { UNIQUE_CONFLICT_FAILURE } from '../engine/unique-violation';
import { SCOPE_MISSING_FAILURE } from '../engine/plan-batch';

/** JSON with bigint keys as strings and dates as ISO text. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function formatStatus(report: StatusReport): string {
  const header = ['model', 'field', 'rows', 'null', 'plaintext', 'current key', 'other keys', 'malformed'];
  const lines = report.fields.map((f) => [f.model, f.field, f.rows, f.null, f.plaintext, f.current, f.otherKeys, f.malformed].map(String));
  const version = report.currentKeyVersion === undefined ? '' : ` (key store, version ${report.currentKeyVersion})`;
  const out = [`current generator key: ${report.currentKey}${version}`, ...table([header, ...lines])];
  for (const field of report.fields) {
    for (const [key, count] of Object.entries(field.byWrappingKey)) {
      out.push(`  ${field.model}.${field.field}: ${count} under ${key}${keyStoreVersionNote(field, key)}`);
    }
  }
  for (const field of report.fields) out.push(...formatScopes(field));
  for (const field of report.fields) {
    const index = field.blindIndex;
    if (!index) continue;
    const versions = Object.entries(index.byVersion).map(([version, count]) => `${count} under index key ${version}`);
    out.push(`  ${field.model}.${field.field} blind index (${index.column}): ${[`${index.empty} empty`, ...versions].join(', ')}`);
  }
  return out.join('\n') + '\n';
}

/** ` (key store version 1, active)` for a key-store version's label, from the field's scope counts; else empty. */
function keyStoreVersionNote(field: FieldStatus, label: string): string {
  const id = label.startsWith(KEY_STORE_LABEL_PREFIX) ? label.slice(KEY_STORE_LABEL_PREFIX.length) : undefined;
  const facts = id === undefined ? undefined : field.scopes?.byKeyVersion[id];
  if (!facts) return '';
  return ` (key store${facts.scope === '' ? '' : ` ${scopeName(facts.scope)}`} version ${facts.version}, ${facts.status})`;
}

const KEY_STORE_LABEL_PREFIX = `${KEY_STORE_PROVIDER_ID}:`;

/** A scope as `status` names it: the application's key is the empty scope. */
function scopeName(scope: string): string {
  return scope === '' ? '(application key)' : `scope ${JSON.stringify(scope)}`;
}

/** A field's compact values by scope and key version, shredded ones named, and those in the wrong scope. */
function formatScopes(field: FieldStatus): string[] {
  const scopes = field.scopes;
  if (!scopes) return [];
  const name = `${field.model}.${field.field}`;
  const out = Object.entries(scopes.byScope).map(([scope, count]) => `  ${name}: ${count} under ${scopeName(scope)}`);
  for (const [id, v] of Object.entries(scopes.byKeyVersion)) {
    out.push(`  ${name}: ${v.values} under key version ${id} (${scopeName(v.scope)}, version ${v.version}, ${v.status})`);
  }
  for (const [scope, count] of Object.entries(scopes.shreddedByScope)) {
    out.push(`  ${name}: ${count} values under shredded keys of ${scopeName(scope)}: unreadable for good`);
  }
  if (scopes.unknownKeyVersion > 0) out.push(`  ${name}: ${scopes.unknownKeyVersion} values under key versions the key store does not have: restore them with \`keys import\``);
  if (scopes.wrongScope > 0) out.push(`  ${name}: ${scopes.wrongScope} values in the wrong scope (their key is not their row's scope's): run rotate --scope-by`);
  return out;
}

const PAST_TENSE = { encrypt: 'encrypted', rotate: 're-encrypted', decrypt: 'decrypted', reindex: 'reindexed' } as const;

/** What a value that remains after each command still is. */
const REMAINING_STATE = { encrypt: 'still plaintext', rotate: 'still under other keys', decrypt: 'still encrypted', reindex: 'with a stale index entry' } as const;

export function formatMigration(command: keyof typeof PAST_TENSE, results: readonly TableMigrationResult[], dryRun: boolean): string {
  const out: string[] = [];
  for (const r of results) {
    const done = dryRun ? `${r.valuesPlanned} values would be ${PAST_TENSE[command]}` : `${r.valuesPlanned} values ${PAST_TENSE[command]}`;
    const resumed = r.resumed ? (r.rescanned ? ' (resumed from a stale checkpoint, then rescanned from the start)' : ' (resumed from checkpoint)') : '';
    out.push(
      `${command} ${r.model} (${r.table}): ${r.rowsScanned} rows scanned${resumed}, ${done}, ` +
        `${r.rowsWritten} rows written, ${r.rowsSkipped} rows skipped (changed concurrently), ${r.failureCount} values failed` +
        (r.retries > 0 ? `, ${r.retries} batch statements retried (transient database errors)` : ''),
    );
    out.push(...r.failures.map(formatFailure));
    for (const [field, count] of Object.entries(r.remaining)) {
      out.push(`  ${r.model}.${field}: ${count} values ${REMAINING_STATE[command]}${dryRun ? '' : ' (final check)'}`);
    }
  }
  if (results.some((r) => r.failures.some((f) => f.code === MALFORMED_FAILURE))) {
    out.push('MALFORMED values are damaged ciphertext (cut short or corrupt), left untouched: restore them from a backup; no rerun repairs them.');
  }
  if (results.some((r) => r.failures.some((f) => f.code === UNIQUE_CONFLICT_FAILURE))) {
    out.push(
      'UNIQUE_CONFLICT rows were left as they were: their blind index entry equals another row\'s under a unique index (the same value twice, ' +
        'up to normalization). Resolve the duplicate, then run the command again.',
    );
  }
  if (results.some((r) => r.failures.some((f) => f.code === SCOPE_MISSING_FAILURE))) {
    out.push('SCOPE_MISSING rows were left as they were: their scope column is NULL, so no scope\'s key can be chosen for their values. Set it, then run the command again.');
  }
  const left = results.reduce((n, r) => n + remainingTotal(r.remaining), 0);
  if (dryRun) out.push(left === 0 ? 'Nothing to do.' : `${left} values would need ${command}.`);
  else if (left === 0) out.push(`DONE: no value of the selected fields is left to ${command}.`);
  else out.push(`NOT DONE: ${left} values are left (changed concurrently, written by an older application, or failed); run the command again.`);
  return out.join('\n') + '\n';
}

export function formatVerify(results: readonly TableVerifyResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`verify ${r.model} (${r.table}): ${r.rowsScanned} rows, ${r.valuesChecked} values checked, ${r.failureCount} failed`);
    out.push(...r.failures.map(formatFailure));
    if (r.failureCount > r.failures.length) out.push(`  ... and ${r.failureCount - r.failures.length} more`);
  }
  const failed = results.reduce((n, r) => n + r.failureCount, 0);
  out.push(failed === 0 ? 'OK: every value decrypts.' : `FAILED: ${failed} values do not decrypt.`);
  return out.join('\n') + '\n';
}

function formatFailure(failure: ValueFailure): string {
  const key = Object.entries(failure.key)
    .map(([name, value]) => `${name}=${value instanceof Date ? value.toISOString() : String(value)}`)
    .join(', ');
  return `  ${failure.model}.${failure.field} [${key}]: ${failure.code}${failure.reason !== undefined ? ` (${failure.reason})` : ''}`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}
