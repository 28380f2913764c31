import { type Command, Option } from 'commander';
import { AUTH_METHODS, CLIENT_KINDS, type ClientKind } from '../auth/model.js';
import { clientView } from '../auth/routes/admin-routes.js';
import { splitSpaceList } from '../auth/services/scopes.js';
import { printJson, printTable, withCore } from './output.js';

export function registerClientCommands(program: Command): void {
  const clients = program.command('clients').description('Manage OAuth clients (vendors, shops, admins, resource servers)');

  clients
    .command('create')
    .description('Create a client and print its secret (shown once)')
    .addOption(new Option('--kind <kind>', 'client kind').choices(CLIENT_KINDS).makeOptionMandatory())
    .option('--name <name>', 'vendor name (unique), or a label for admin and resource_server clients')
    .option('--shop-id <uuid>', 'shop UUID (kind shop)')
    .option('--scope <scopes>', 'space-separated scopes the client may request ("a.*" allows "a.b")')
    .option('--audience <audiences>', 'space-separated audiences allowed beyond the defaults of the kind')
    .addOption(new Option('--auth-method <method>', 'token endpoint authentication').choices(AUTH_METHODS))
    .option('--ttl <seconds>', 'access token lifetime for this client', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable output')
    .action(async (options: { kind: ClientKind; name?: string; shopId?: string; scope?: string; audience?: string; authMethod?: (typeof AUTH_METHODS)[number]; ttl?: number; json?: boolean }) => {
      const created = await withCore((core) =>
        core.auth.clients.create({
          kind: options.kind,
          name: options.name,
          shopId: options.shopId,
          scopes: options.scope === undefined ? undefined : splitSpaceList(options.scope),
          audiences: options.audience === undefined ? undefined : splitSpaceList(options.audience),
          tokenEndpointAuthMethod: options.authMethod,
          accessTokenTtl: options.ttl,
        }),
      );
      if (options.json) {
        printJson({ client_id: created.client.clientId, client_secret: created.clientSecret, ...clientView(created.client) });
        return;
      }
      process.stdout.write(
        `Created ${created.client.kind} client "${created.client.name}".\n` +
          `  client_id:     ${created.client.clientId}\n` +
          `  client_secret: ${created.clientSecret}\n` +
          `  audiences:     ${created.client.audiences.join(' ') || '-'}\n` +
          `  scopes:        ${created.client.scopes.join(' ') || '-'}\n` +
          `  auth method:   ${created.client.tokenEndpointAuthMethod}\n` +
          'Store the secret now: psif keeps only a keyed hash of it.\n',
      );
    });

  clients
    .command('list')
    .description('List clients')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(CLIENT_KINDS))
    .addOption(new Option('--status <status>', 'only this status').choices(['active', 'disabled']))
    .option('--json', 'machine-readable output')
    .action(async (options: { kind?: ClientKind; status?: 'active' | 'disabled'; json?: boolean }) => {
      const { items, total } = await withCore((core) => core.auth.clients.list({ kind: options.kind, status: options.status, limit: 1000 }));
      if (options.json) return printJson({ items: items.map(clientView), total });
      printTable(items.map(clientView), ['clientId', 'kind', 'name', 'status', 'tokenEndpointAuthMethod', 'scopes', 'audiences']);
    });

  clients
    .command('show <clientId>')
    .description('Show one client')
    .option('--json', 'machine-readable output')
    .action(async (clientId: string, options: { json?: boolean }) => {
      const client = clientView(await withCore((core) => core.auth.clients.get(clientId)));
      if (options.json) return printJson(client);
      printTable(Object.entries(client).map(([field, value]) => ({ field, value })), ['field', 'value']);
    });

  clients
    .command('rotate-secret <clientId>')
    .description('Issue a new secret; the previous one keeps working for the grace period')
    .option('--grace <seconds>', 'grace period of the previous secret (default PSIF_SECRET_GRACE)', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable output')
    .action(async (clientId: string, options: { grace?: number; json?: boolean }) => {
      const rotated = await withCore((core) => core.auth.clients.rotateSecret(clientId, options.grace));
      const out = { client_id: rotated.client.clientId, client_secret: rotated.clientSecret, previous_secret_expires_at: rotated.previousSecretExpiresAt.toISOString() };
      if (options.json) return printJson(out);
      process.stdout.write(`New client_secret for ${out.client_id}: ${out.client_secret}\nThe previous secret works until ${out.previous_secret_expires_at}.\n`);
    });

  for (const action of ['disable', 'enable'] as const) {
    clients
      .command(`${action} <clientId>`)
      .description(action === 'disable' ? 'Disable a client: new tokens are refused and its existing tokens stop working' : 'Enable a disabled client')
      .option('--json', 'machine-readable output')
      .action(async (clientId: string, options: { json?: boolean }) => {
        const client = clientView(await withCore((core) => core.auth.clients[action](clientId)));
        if (options.json) return printJson(client);
        process.stdout.write(`Client ${client.clientId} is now ${client.status}.\n`);
      });
  }

  clients
    .command('delete <clientId>')
    .description('Delete a client and its secrets')
    .option('--json', 'machine-readable output')
    .action(async (clientId: string, options: { json?: boolean }) => {
      await withCore((core) => core.auth.clients.delete(clientId));
      if (options.json) return printJson({ client_id: clientId, deleted: true });
      process.stdout.write(`Client ${clientId} deleted.\n`);
    });
}
