import type { Command } from 'commander';
import { buildServer, openCore } from '../app.js';
import { Option } from 'commander';
import { ROLES, type Role, loadConfig } from '../platform/config/config.js';
import { createLogger } from '../platform/observability/logger.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the psif server (creates the database, master secret and signing keys on first start)')
    .addOption(new Option('--role <role>', 'all: APIs and sync worker; api: HTTP APIs only; worker: sync worker only (default: PSIF_ROLE, else all)').choices(ROLES))
    .action(async (options: { role?: Role }) => {
      const loaded = loadConfig();
      const config = options.role ? { ...loaded, role: options.role } : loaded;
      const log = createLogger(config.logLevel);
      const core = await openCore(config);
      const server = await buildServer(core);
      // Counted before listening so the first-steps text is written before any request can be answered.
      const { total } = await core.auth.clients.list({ limit: 1 });
      await server.app.listen({ port: config.port, host: config.host });
      const address = server.app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      log.info({ url: `http://${config.host}:${port}`, publicUrl: config.publicUrl, database: core.db.backend, location: core.db.location }, 'psif listening');
      if (config.role !== 'api') log.info({ role: config.role, concurrency: config.sync.concurrency }, 'sync worker running');

      if (total === 0) printFirstSteps(config.publicUrl, core.createdSecret);

      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining in-flight requests');
        const timer = setTimeout(() => {
          log.error('shutdown timed out; exiting with requests still in flight');
          process.exit(1);
        }, config.shutdownTimeoutMs);
        timer.unref();
        server.close().then(
          () => {
            log.info('shutdown complete');
            process.exitCode = 0;
          },
          (error: unknown) => {
            log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}

/** Printed on stderr so that `psif start > log.json` keeps a clean log stream. */
function printFirstSteps(publicUrl: string, freshInstall: boolean): void {
  process.stderr.write(
    `\n${freshInstall ? 'psif is initialised: database, master secret and signing key created.' : 'psif has no clients yet.'}\n` +
      'Create a first admin client (its secret is shown once):\n' +
      '  npx psif clients create --kind admin --name ops\n' +
      'and a vendor:\n' +
      '  npx psif clients create --kind vendor --name acme\n' +
      'Then get a token:\n' +
      `  curl -u <client_id>:<client_secret> -d grant_type=client_credentials ${publicUrl}/oauth2/token\n` +
      `API reference: ${publicUrl}/docs\n\n`,
  );
}
