import type { Command } from 'commander';
import { findVendor } from '../billing/routes/admin-routes.js';
import { printJson, printTable, withCore } from './output.js';

/** `psif billing api-keys` and `psif billing clock`: the operator API's billing routes, from a shell. */
export function registerBillingCommands(program: Command): void {
  const billing = program.commands.find((command) => command.name() === 'billing') ?? program.command('billing').description('Billing API data and operations');
  const keys = billing.command('api-keys').description('Keys of the internal quantity routes (X-BILLING-API-KEY)');

  keys
    .command('create')
    .description('Create a key for a vendor and print it (shown once)')
    .requiredOption('--vendor <vendor>', 'vendor client id or name')
    .option('--json', 'machine-readable output')
    .action(async (options: { vendor: string; json?: boolean }) => {
      const { key, row } = await withCore(async (core) => core.billing.apiKeys.create((await findVendor(core.auth, options.vendor)).clientId));
      if (options.json) return printJson({ key, keyId: row.key_id, vendorClientId: row.vendor_client_id });
      process.stdout.write(`Created billing API key ${row.key_id} for vendor ${row.vendor_client_id}.\n  key: ${key}\nStore it now: psif keeps only a hash.\n`);
    });

  keys
    .command('list')
    .description('List keys (never the keys themselves)')
    .option('--vendor <vendor>', 'only this vendor (client id or name)')
    .option('--json', 'machine-readable output')
    .action(async (options: { vendor?: string; json?: boolean }) => {
      const rows = await withCore(async (core) => core.billing.apiKeys.list(options.vendor ? (await findVendor(core.auth, options.vendor)).clientId : undefined));
      const items = rows.map((r) => ({ keyId: r.key_id, vendorClientId: r.vendor_client_id, prefix: r.prefix, createdAt: new Date(r.created_at).toISOString(), lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : '', revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : '' }));
      if (options.json) return printJson({ items });
      printTable(items, ['keyId', 'vendorClientId', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt']);
    });

  keys
    .command('revoke <keyId>')
    .description('Revoke a key')
    .action(async (keyId: string) => {
      await withCore((core) => core.billing.apiKeys.revoke(keyId));
      process.stdout.write(`Revoked billing API key ${keyId}.\n`);
    });

  billing
    .command('clock')
    .description('Run the billing clock once now: every renewal, trial end and payment retry due (test clocks excepted)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const round = await withCore((core) => core.billing.clock.runDue(Date.now()));
      if (options.json) return printJson(round);
      process.stdout.write(`Billing clock: ${round.transitions} transitions run, ${round.skipped} left to another process.\n`);
    });
}
