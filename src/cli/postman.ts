import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { buildServer, openCore } from '../app.js';
import { terminalProgress } from '../demo/progress.js';
import { loadConfig } from '../platform/config/config.js';
import { API_FAMILIES, type ApiFamily } from '../platform/http/openapi.js';

interface PostmanOptions {
  out: string;
  publicUrl: string;
  family?: ApiFamily[];
}

const family = (value: string, previous: ApiFamily[] = []): ApiFamily[] => {
  if (!Object.hasOwn(API_FAMILIES, value)) throw new InvalidArgumentError(`unknown family; known: ${Object.keys(API_FAMILIES).join(', ')}`);
  return [...previous, value as ApiFamily];
};

export function registerPostmanCommand(program: Command): void {
  program
    .command('postman')
    .description('Write the Postman collection of each API family (<family>.json), the same as GET /postman/{family}.json')
    .requiredOption('--out <dir>', 'directory to write the collections into (created if missing)')
    .option('--public-url <url>', "psif's base URL, the collections' {{baseUrl}}", process.env.PSIF_PUBLIC_URL ?? 'http://localhost:8080')
    .option('--family <name>', `only this family (repeatable): ${Object.keys(API_FAMILIES).join(', ')}`, family)
    .action(async (options: PostmanOptions) => {
      const families = options.family ?? (Object.keys(API_FAMILIES) as ApiFamily[]);
      const written = await writeCollections(options.out, options.publicUrl, families);
      for (const file of written) process.stdout.write(`${file}\n`);
    });
}

/**
 * Builds an API-only server on a throwaway embedded database, as scripts/generate-client.ts does, and asks
 * its own /postman route for each collection through Fastify's in-process injection: no port, no network,
 * and exactly what a running psif serves.
 */
async function writeCollections(out: string, publicUrl: string, families: ApiFamily[]): Promise<string[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'psif-postman-'));
  const progress = terminalProgress(process.stderr);
  const bar = progress.bar('postman collections', families.length);
  try {
    const core = await openCore(loadConfig({ PSIF_DATA_DIR: dataDir, PSIF_ROLE: 'api', PSIF_PUBLIC_URL: publicUrl, LOG_LEVEL: 'silent' }));
    const server = await buildServer(core);
    try {
      mkdirSync(out, { recursive: true });
      const written: string[] = [];
      for (const name of families) {
        const response = await server.app.inject({ method: 'GET', url: `/postman/${name}.json` });
        if (response.statusCode !== 200) throw new Error(`the ${name} collection: ${response.statusCode} ${response.body}`);
        const file = path.join(out, `${name}.json`);
        writeFileSync(file, response.body);
        written.push(file);
        bar.update(written.length, name);
      }
      bar.stop();
      return written;
    } finally {
      await server.close();
    }
  } finally {
    progress.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
