import { type Command, Option } from 'commander';
import { keyView } from '../auth/routes/admin-routes.js';
import { printJson, printTable, withCore } from './output.js';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Manage token signing keys');

  keys
    .command('rotate')
    .description('Create a new signing key; the previous one stays published until its last token expires')
    .addOption(new Option('--alg <alg>', 'algorithm of the new key (default PSIF_SIGNING_ALG)').choices(['ES256', 'RS256']))
    .option('--json', 'machine-readable output')
    .action(async (options: { alg?: 'ES256' | 'RS256'; json?: boolean }) => {
      const key = keyView(await withCore((core) => core.auth.keys.rotate(options.alg)));
      if (options.json) return printJson(key);
      process.stdout.write(`New signing key ${key.kid} (${key.alg}) is active. Running servers pick it up within 5 s.\n`);
    });

  keys
    .command('list')
    .description('List published signing keys')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const items = await withCore(async (core) => core.auth.keys.published().map(keyView));
      if (options.json) return printJson({ items });
      printTable(items, ['kid', 'alg', 'status', 'createdAt', 'unpublishAt']);
    });
}
