#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from './app.js';
import { registerBillingCommands } from './cli/billing.js';
import { registerBillingWebhookCommands } from './cli/billing-webhooks.js';
import { registerClientCommands } from './cli/clients.js';
import { registerDemoCommand } from './cli/demo.js';
import { registerKeyCommands } from './cli/keys.js';
import { registerPostmanCommand } from './cli/postman.js';
import { registerShopCommands } from './cli/shops.js';
import { registerShopSimCommand } from './cli/shop-sim.js';
import { registerStartCommand } from './cli/start.js';
import { registerSyncCommands } from './cli/sync.js';
import { ConfigError } from './platform/config/config.js';
import { ApiError } from './platform/http/api-error.js';

const program = new Command('psif')
  .version(VERSION)
  .description('psif: self-hostable PrestaShop Integration Framework APIs.\nConfiguration comes from the environment (see README).')
  .showHelpAfterError()
  .exitOverride();

registerStartCommand(program);
registerClientCommands(program);
registerKeyCommands(program);
registerShopCommands(program);
registerShopSimCommand(program);
registerSyncCommands(program);
registerBillingCommands(program);
registerBillingWebhookCommands(program);
registerDemoCommand(program);
registerPostmanCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
  if (error instanceof ConfigError) {
    process.stderr.write(`psif: invalid configuration: ${error.message}\n`);
    return 2;
  }
  if (error instanceof ApiError) {
    process.stderr.write(`psif: ${error.message} (${error.code})\n`);
    return 1;
  }
  process.stderr.write(`psif: ${(error as Error).message ?? String(error)}\n`);
  return 1;
}
