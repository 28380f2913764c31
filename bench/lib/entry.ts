// Lets a bench module be both imported by bench/run.ts and run directly with
// `node --import tsx bench/<name>.ts`.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** True when the module with this import.meta.url is the process entry point. */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === importMetaUrl;
  } catch {
    return false;
  }
}

/** Run `main`, printing the error and setting a failing exit code on rejection. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}
