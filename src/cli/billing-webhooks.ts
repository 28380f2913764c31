import { type Command, Option } from 'commander';
import type { WebhookEndpoint } from '../billing/webhooks/endpoints.js';
import { printJson, printTable, withCore } from './output.js';

const ENDPOINT_COLUMNS = ['endpointId', 'vendor', 'env', 'status', 'url', 'eventTypes', 'description'];
const DELIVERY_COLUMNS = ['deliveryId', 'eventType', 'status', 'attempts', 'lastHttpStatus', 'lastError', 'nextAttemptAt', 'createdAt'];

/** `psif billing webhooks`: the same service as the operator API's webhook routes. */
export function registerBillingWebhookCommands(program: Command): void {
  // Other billing commands may have created the group already.
  const billing = program.commands.find((command) => command.name() === 'billing') ?? program.command('billing').description('Billing API data and operations');
  const webhooks = billing.command('webhooks').description('Manage vendors\' webhook endpoints and their deliveries');

  webhooks
    .command('add')
    .description('Register a webhook endpoint and print its signing secret (shown once)')
    .requiredOption('--vendor <vendor>', 'vendor client id or name')
    .requiredOption('--url <url>', 'http(s) URL that receives the events')
    .addOption(new Option('--env <env>', 'billing environment').choices(['live', 'sandbox']).default('live'))
    .option('--events <types>', 'comma-separated event types (default: every type)')
    .option('--description <text>', 'a note for operators')
    .option('--json', 'machine-readable output')
    .action(async (options: { vendor: string; url: string; env: 'live' | 'sandbox'; events?: string; description?: string; json?: boolean }) => {
      const created = await withCore((core) =>
        core.webhooks.endpoints.create({ vendor: options.vendor, url: options.url, env: options.env, eventTypes: splitList(options.events), description: options.description }),
      );
      if (options.json) return printJson(created);
      process.stdout.write(
        `Created ${created.endpoint.env} webhook endpoint ${created.endpoint.endpointId} for vendor "${created.endpoint.vendor}".\n` +
          `  url:         ${created.endpoint.url}\n` +
          `  event types: ${created.endpoint.eventTypes.join(' ') || 'all'}\n` +
          `  secret:      ${created.secret}\n` +
          'Store the secret now: it verifies the webhook-signature header and is not shown again.\n',
      );
    });

  webhooks
    .command('list')
    .description('List webhook endpoints')
    .option('--vendor <vendor>', 'only this vendor (client id or name)')
    .addOption(new Option('--env <env>', 'only this environment').choices(['live', 'sandbox']))
    .option('--json', 'machine-readable output')
    .action(async (options: { vendor?: string; env?: 'live' | 'sandbox'; json?: boolean }) => {
      const items = await withCore((core) => core.webhooks.endpoints.list({ vendor: options.vendor, env: options.env }));
      if (options.json) return printJson({ items });
      printTable(items.map(row), ENDPOINT_COLUMNS);
    });

  webhooks
    .command('rotate-secret <endpointId>')
    .description('Issue a new signing secret and print it (shown once)')
    .option('--json', 'machine-readable output')
    .action(async (endpointId: string, options: { json?: boolean }) => {
      const rotated = await withCore((core) => core.webhooks.endpoints.rotateSecret(endpointId));
      if (options.json) return printJson(rotated);
      process.stdout.write(`New secret of webhook endpoint ${endpointId}: ${rotated.secret}\n`);
    });

  for (const action of ['disable', 'enable'] as const) {
    webhooks
      .command(`${action} <endpointId>`)
      .description(action === 'disable' ? 'Disable an endpoint: no new deliveries, pending ones wait' : 'Enable a disabled endpoint: its pending deliveries are sent')
      .option('--json', 'machine-readable output')
      .action(async (endpointId: string, options: { json?: boolean }) => {
        const endpoint = await withCore((core) => core.webhooks.endpoints.update(endpointId, { status: action === 'disable' ? 'disabled' : 'active' }));
        if (options.json) return printJson(endpoint);
        process.stdout.write(`Webhook endpoint ${endpoint.endpointId} is now ${endpoint.status}.\n`);
      });
  }

  webhooks
    .command('remove <endpointId>')
    .description('Delete an endpoint and its delivery log')
    .option('--json', 'machine-readable output')
    .action(async (endpointId: string, options: { json?: boolean }) => {
      await withCore((core) => core.webhooks.endpoints.delete(endpointId));
      if (options.json) return printJson({ endpointId, deleted: true });
      process.stdout.write(`Webhook endpoint ${endpointId} deleted.\n`);
    });

  webhooks
    .command('deliveries <endpointId>')
    .description('The delivery log of an endpoint, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(['pending', 'succeeded', 'failed']))
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 50)
    .option('--offset <n>', 'skip this many', (v) => Number.parseInt(v, 10), 0)
    .option('--json', 'machine-readable output')
    .action(async (endpointId: string, options: { status?: 'pending' | 'succeeded' | 'failed'; limit: number; offset: number; json?: boolean }) => {
      const page = await withCore((core) => core.webhooks.endpoints.deliveries(endpointId, options));
      if (options.json) return printJson(page);
      printTable(page.items.map((item) => ({ ...item })), DELIVERY_COLUMNS);
      process.stdout.write(`${page.items.length} of ${page.total}\n`);
    });

  webhooks
    .command('delivery <deliveryId>')
    .description('One delivery with its attempts')
    .option('--json', 'machine-readable output')
    .action(async (deliveryId: string, options: { json?: boolean }) => {
      const detail = await withCore((core) => core.webhooks.endpoints.delivery(deliveryId));
      if (options.json) return printJson(detail);
      printTable([{ ...detail.delivery }], DELIVERY_COLUMNS);
      printTable(detail.attempts.map((attempt) => ({ ...attempt })), ['attempt', 'at', 'httpStatus', 'error', 'durationMs']);
    });

  webhooks
    .command('replay <deliveryId>')
    .description('Send a delivery again (a running psif worker picks it up at its next poll)')
    .option('--json', 'machine-readable output')
    .action(async (deliveryId: string, options: { json?: boolean }) => {
      const delivery = await withCore((core) => core.webhooks.endpoints.replay(deliveryId));
      if (options.json) return printJson(delivery);
      process.stdout.write(`Delivery ${delivery.deliveryId} is queued again.\n`);
    });

  webhooks
    .command('replay-endpoint <endpointId>')
    .description('Send the failed deliveries of an endpoint again')
    .option('--since <instant>', 'only deliveries created since this ISO 8601 instant')
    .option('--all', 'every finished delivery, not only the failed ones')
    .option('--json', 'machine-readable output')
    .action(async (endpointId: string, options: { since?: string; all?: boolean; json?: boolean }) => {
      const since = options.since === undefined ? undefined : parseInstant(options.since);
      const replayed = await withCore((core) => core.webhooks.endpoints.replayEndpoint(endpointId, { since, status: options.all ? 'all' : 'failed' }));
      if (options.json) return printJson({ endpointId, replayed });
      process.stdout.write(`${replayed} deliveries of ${endpointId} are queued again.\n`);
    });
}

function row(endpoint: WebhookEndpoint): Record<string, unknown> {
  return { ...endpoint, eventTypes: endpoint.eventTypes.length === 0 ? 'all' : endpoint.eventTypes };
}

function splitList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function parseInstant(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`--since must be an ISO 8601 instant, got "${value}"`);
  return ms;
}
