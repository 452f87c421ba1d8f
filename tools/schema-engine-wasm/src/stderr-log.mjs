// The CLI reads the engine's stderr as JSON log lines (tracing's format).

export function logLine(level, fields) {
  const line = { timestamp: new Date().toISOString(), level, fields, target: 'schema_engine::logger' };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/** The engine's own log callback: already JSON, one line each. */
export function engineLog(line) {
  const text = String(line);
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
