import type { Command } from 'commander';
import { jobView } from '../cloudsync/routes/schemas.js';
import { consentsView, moduleView, shopView } from '../shops/routes/schemas.js';
import { printJson, printTable, withCore } from './output.js';

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

export function registerShopCommands(program: Command): void {
  const shops = program.command('shops').description('Manage shops (the PrestaShop stores that sync to psif)');

  shops
    .command('register')
    .description('Register a shop and create its shop client (the secret is shown once)')
    .requiredOption('--shop-id <uuid>', 'the shop UUID (PrestaShop Accounts)')
    .requiredOption('--url <url>', 'base URL of the shop')
    .option('--languages <codes>', 'comma-separated ISO codes of the languages to sync, default first', list)
    .option('--json', 'machine-readable output')
    .action(async (options: { shopId: string; url: string; languages?: string[]; json?: boolean }) => {
      const registered = await withCore((core) => core.shops.shops.register(options.shopId, { url: options.url, languages: options.languages }));
      const out = { shop_id: registered.shop.shopId, client_id: registered.clientId, client_secret: registered.clientSecret, ...shopView(registered.shop) };
      if (options.json) return printJson(out);
      process.stdout.write(
        `Registered shop ${out.shop_id} (${out.url}).\n` +
          `  client_id:     ${out.client_id}\n` +
          `  client_secret: ${out.client_secret}\n` +
          'The shop gets its token with client_secret_post (audience store/<shop id>). Store the secret now: psif keeps only a keyed hash of it.\n',
      );
    });

  shops
    .command('list')
    .description('List shops')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const { items, total } = await withCore((core) => core.shops.shops.list(1000, 0));
      if (options.json) return printJson({ items: items.map(shopView), total });
      printTable(items.map(shopView), ['shopId', 'url', 'languages', 'clientId', 'createdAt']);
    });

  shops
    .command('show <shopId>')
    .description('Show a shop with its consents and recent jobs')
    .option('--json', 'machine-readable output')
    .action(async (shopId: string, options: { json?: boolean }) => {
      const out = await withCore(async (core) => ({
        ...shopView(await core.shops.shops.get(shopId)),
        consents: (await core.shops.consents.list(shopId)).map((entry) => consentsView(shopId, entry)),
        jobs: (await core.cloudsync.jobs.list(shopId, 10)).map(jobView),
      }));
      if (options.json) return printJson(out);
      const { consents, jobs, ...shop } = out;
      printTable(Object.entries(shop).map(([field, value]) => ({ field, value })), ['field', 'value']);
      process.stdout.write('\nConsents\n');
      printTable(consents, ['moduleName', 'consents', 'updatedAt']);
      process.stdout.write('\nRecent jobs\n');
      printTable(jobs, ['jobId', 'mode', 'contents', 'createdAt', 'expiresAt', 'lastUploadAt']);
    });

  shops
    .command('delete <shopId>')
    .description('Delete a shop with all its synced data, consents, jobs and its shop client')
    .option('--json', 'machine-readable output')
    .action(async (shopId: string, options: { json?: boolean }) => {
      await withCore((core) => core.shops.shops.delete(shopId));
      if (options.json) return printJson({ shop_id: shopId, deleted: true });
      process.stdout.write(`Shop ${shopId} and its data deleted.\n`);
    });

  const modules = program.command('modules').description("Manage vendors' modules (what shops consent to)");

  modules
    .command('create')
    .description('Register a module for a vendor client')
    .requiredOption('--name <module>', 'technical name of the module, e.g. ps_mymodule')
    .requiredOption('--vendor <name>', 'name of the vendor client that owns it')
    .option('--json', 'machine-readable output')
    .action(async (options: { name: string; vendor: string; json?: boolean }) => {
      const module = moduleView(await withCore((core) => core.shops.modules.create(options.name, options.vendor)));
      if (options.json) return printJson(module);
      process.stdout.write(`Module ${module.name} registered for vendor ${module.vendor}.\n`);
    });

  modules
    .command('list')
    .description('List modules')
    .option('--vendor <name>', 'only the modules of this vendor')
    .option('--json', 'machine-readable output')
    .action(async (options: { vendor?: string; json?: boolean }) => {
      const items = (await withCore((core) => core.shops.modules.list({ vendorName: options.vendor }))).map(moduleView);
      if (options.json) return printJson({ items });
      printTable(items, ['name', 'vendor', 'createdAt']);
    });

  modules
    .command('delete <name>')
    .description('Delete a module and every consent given to it')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { json?: boolean }) => {
      await withCore((core) => core.shops.modules.delete(name));
      if (options.json) return printJson({ name, deleted: true });
      process.stdout.write(`Module ${name} deleted.\n`);
    });

  const jobs = program.command('jobs').description('Sync jobs (the orchestrator issues them; this is for operators and tests)');

  jobs
    .command('create')
    .description('Issue a job id a shop can validate and upload with')
    .requiredOption('--shop-id <uuid>', 'the shop')
    .option('--full', 'a full sync (default: incremental)')
    .option('--contents <names>', 'comma-separated shop contents (default: all 35)', list)
    .option('--lang <iso>', 'the language the job pulls')
    .option('--ttl <seconds>', 'lifetime (default PSIF_JOB_TTL)', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable output')
    .action(async (options: { shopId: string; full?: boolean; contents?: string[]; lang?: string; ttl?: number; json?: boolean }) => {
      const job = jobView(
        await withCore((core) => core.cloudsync.jobs.create({ shopId: options.shopId, full: options.full, contents: options.contents, langIso: options.lang, ttlSeconds: options.ttl })),
      );
      if (options.json) return printJson({ job_id: job.jobId, ...job });
      process.stdout.write(`Job ${job.jobId} (${job.mode}, ${job.contents.length} contents) for shop ${job.shopId}, valid until ${job.expiresAt}.\n`);
    });
}
