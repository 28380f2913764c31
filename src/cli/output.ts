import { loadConfig } from '../platform/config/config.js';
import { type Core, openCore } from '../app.js';

/** Opens the same database and keys as the server (from the same environment), runs, and closes. */
export async function withCore<T>(run: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore(loadConfig());
  try {
    return await run(core);
  } finally {
    await core.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain aligned table for people; scripts use --json. */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write([line(columns), ...cells.map(line)].join('\n') + '\n');
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.join(' ') || '-';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
