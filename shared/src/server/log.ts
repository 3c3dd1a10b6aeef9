/** Structured logs: one JSON object per line on stdout. Never pass secrets, passwords or tokens. */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const level = (process.env.LOG_LEVEL ?? 'info') as Level;
  return ORDER[level] ?? ORDER.info;
}

function write(level: Level, fields: Record<string, unknown>): void {
  if (ORDER[level] < threshold()) return;
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...fields })}\n`);
}

/** A short, safe description of an error for logs: its name, code and message, no stack or SQL. */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const code = (err as { code?: unknown }).code;
  return { error: err.message.slice(0, 300), errorName: err.name, ...(code ? { errorCode: code } : {}) };
}

export const log = {
  debug: (fields: Record<string, unknown>) => write('debug', fields),
  info: (fields: Record<string, unknown>) => write('info', fields),
  warn: (fields: Record<string, unknown>) => write('warn', fields),
  error: (fields: Record<string, unknown>) => write('error', fields),
};
