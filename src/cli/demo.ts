import { type Command, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../platform/config/config.js';
import { terminalProgress } from '../demo/progress.js';
import { DemoAborted, demoSummary, startDemo } from '../demo/run-demo.js';

const integer = (min: number, max: number) => (value: string): number => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`not an integer between ${min} and ${max}`);
  return parsed;
};

interface DemoCommandOptions {
  port: number;
  host: string;
  dataDir?: string;
  shops: number;
  products: number;
  logLevel: LogLevel;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run psif with simulated shops, vendors, consents, synced data and billing, seeded through its APIs, until SIGINT/SIGTERM')
    .option('--port <port>', 'port to listen on (0: any free port)', integer(0, 65535), 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'an empty directory for the SQLite database (default: a temporary one, removed on exit)')
    .option('--shops <n>', 'number of simulated shops', integer(1, 50), 5)
    .option('--products <n>', 'generated products per shop', integer(1, 100_000), 300)
    .addOption(new Option('--log-level <level>', 'server log level (logs go to stdout)').choices(LOG_LEVELS).default('error'))
    .action(async (options: DemoCommandOptions) => {
      process.stderr.write(`Starting psif with ${options.shops} simulated shops...\n`);
      const progress = terminalProgress(process.stderr);
      // Ctrl+C while the demo starts: stop what was started and remove the temporary directory.
      const starting = new AbortController();
      const interrupt = (signal: string) => {
        process.stderr.write(`\n${signal}: stopping the simulated shops and psif...\n`);
        starting.abort();
      };
      const onSigint = () => interrupt('SIGINT');
      const onSigterm = () => interrupt('SIGTERM');
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigterm);
      let demo;
      try {
        demo = await startDemo({ ...options, progress, signal: starting.signal, onDataDir: (dir) => process.stderr.write(`Data directory: ${dir}\n`) });
      } catch (error) {
        if (!(error instanceof DemoAborted)) throw error;
        process.stderr.write('psif demo stopped before it was ready.\n');
        process.exitCode = 130;
        return;
      } finally {
        progress.close();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      }
      process.stdout.write(demoSummary(demo));
      const running = demo;

      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${signal}: stopping the simulated shops and psif...\n`);
        running.stop().then(
          () => {
            process.stderr.write('psif demo stopped.\n');
            process.exitCode = 0;
          },
          (error: unknown) => {
            process.stderr.write(`psif demo: stop failed: ${(error as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
