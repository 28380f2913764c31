import type { Command } from 'commander';
import type { Core } from '../app.js';
import { ApiError } from '../platform/http/api-error.js';
import { stateView, taskDetailView } from '../sync/routes/views.js';
import type { SyncTask } from '../sync/model.js';
import { printJson, printTable, withCore } from './output.js';

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export function registerSyncCommands(program: Command): void {
  const sync = program.command('sync').description("Shop pulls: see where a shop's sync stands, trigger one and follow it");

  sync
    .command('status <shopId>')
    .description('Sync state of each content and language, and the active pulls')
    .option('--json', 'machine-readable output')
    .action(async (shopId: string, options: { json?: boolean }) => {
      const out = await withCore(async (core) => {
        await core.sync.planner.shop(shopId);
        return { state: (await core.sync.state.forShop(shopId)).map(stateView), active: (await core.sync.tasks.active(shopId)).map(taskDetailView) };
      });
      if (options.json) return printJson(out);
      printTable(out.state, ['shopContent', 'langIso', 'mode', 'lastFullSyncFinishedAt', 'lastIncrementalAt', 'lastErrorCode']);
      if (out.active.length > 0) {
        process.stdout.write('\nactive pulls:\n');
        printTable(out.active, ['shopContent', 'langIso', 'mode', 'status', 'pages', 'objects', 'remaining', 'errorCode']);
      }
    });

  sync
    .command('trigger <shopId>')
    .description('Queue a pull of the shop (a running `psif start` with a worker runs it)')
    .option('--full', 'a full sync (then reconciliation) rather than an incremental pull')
    .option('--contents <names>', 'comma-separated contents (default: every consented content)', list)
    .option('--wait', 'follow the pulls until they end, with progress; exit 1 if one fails')
    .option('--json', 'machine-readable output')
    .action(async (shopId: string, options: { full?: boolean; contents?: string[]; wait?: boolean; json?: boolean }) => {
      const ok = await withCore(async (core) => {
        const contents = options.contents
          ? options.contents.map((name) => core.catalog.byPathOrName(name) ?? fail(`unknown shop content "${name}"`))
          : await core.sync.consented.forShop(shopId);
        if (contents.length === 0) throw new ApiError(409, 'not_consented', `shop ${shopId} has given no consent: there is nothing to pull`);
        const tasks = await core.sync.planner.trigger(shopId, contents, options.full ? 'full' : 'incremental', 'api');
        if (!options.wait) {
          if (options.json) printJson({ result: 'queued', tasks: tasks.map(taskDetailView) });
          else process.stdout.write(`Queued ${tasks.length} pull(s) of shop ${shopId}. Follow them with: psif sync status ${shopId}\n`);
          return true;
        }
        const finished = await follow(core, tasks, options.json === true);
        if (options.json) printJson({ tasks: finished.map(taskDetailView) });
        return finished.every((t) => t.status === 'succeeded');
      });
      if (!ok) process.exitCode = 1;
    });
}

function fail(message: string): never {
  throw ApiError.badRequest('unknown_content', message);
}

/** Polls the queue and draws one progress line per pull until every pull has ended. */
async function follow(core: Core, queued: SyncTask[], quiet: boolean): Promise<SyncTask[]> {
  const tty = process.stderr.isTTY && !quiet;
  let drawn = 0;
  let lastPlain = 0;
  for (;;) {
    const tasks = await Promise.all(queued.map(async (t) => (await core.sync.tasks.find(t.taskId)) ?? t));
    const done = tasks.every((t) => FINISHED.has(t.status));
    const lines = tasks.map(progressLine);
    if (tty) {
      if (drawn > 0) process.stderr.write(`\x1b[${drawn}A`);
      process.stderr.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      drawn = lines.length;
    } else if (!quiet && (done || Date.now() - lastPlain > 5000)) {
      lastPlain = Date.now();
      process.stderr.write(lines.join('\n') + '\n');
    }
    if (done) return tasks;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function progressLine(task: SyncTask): string {
  const total = task.remaining === null ? null : task.objects + task.remaining;
  const ratio = total ? Math.min(1, task.objects / total) : task.status === 'succeeded' ? 1 : 0;
  const width = 24;
  const filled = Math.round(ratio * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const name = `${task.content}${task.langIso ? `/${task.langIso}` : ''}`.padEnd(28);
  const error = task.errorCode ? ` last error ${task.errorCode}` : '';
  return `${name} ${task.mode.padEnd(11)} ${bar} ${String(task.objects).padStart(8)} objects ${task.status}${error}`;
}
