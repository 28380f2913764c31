/** Writes src/client/openapi.ts from the OpenAPI document of a throwaway server (embedded SQLite, temp dir). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildServer, openCore } from '../src/app.js';
import { clientTypes } from '../src/client/generate.js';
import { loadConfig } from '../src/platform/config/config.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'psif-client-'));
try {
  const core = await openCore(loadConfig({ PSIF_DATA_DIR: dataDir, PSIF_ROLE: 'api', LOG_LEVEL: 'silent' }));
  const server = await buildServer(core);
  const types = await clientTypes(server.app.swagger());
  await server.close();
  const target = new URL('../src/client/openapi.ts', import.meta.url);
  writeFileSync(target, types);
  process.stdout.write(`wrote ${path.relative(process.cwd(), target.pathname)} (${types.split('\n').length} lines)\n`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
