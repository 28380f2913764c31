import { createHash } from 'node:crypto';
import { SINGLE_PAGE_CONTENTS, rulesFor } from './content-rules.js';
import type { CloudSyncClient, HttpOutcome } from './cloudsync-client.js';
import type { Faults } from './faults.js';
import { type HookStep, type QueueStep, deleteHookSteps, upsertHookSteps } from './module-hooks.js';
import type { ModuleState } from './module-state.js';
import { phpJsonEncode } from './php-json.js';
import { NdjsonWriter } from './rows/ndjson-writer.js';
import type { Change, ShopData } from './rows/shop-data.js';
import type { ShopTokenProvider } from './shop-token.js';
import { type SimStats, countStatus } from './stats.js';

/** Everything the module's services share. */
export interface ModuleContext {
  shopId: string;
  data: ShopData;
  state: ModuleState;
  client: CloudSyncClient;
  tokens: ShopTokenProvider;
  faults: Faults;
  stats: SimStats;
  liveSyncDebounceMs: number;
}

/** What one sync call built and what the collector said. */
export interface SyncResult {
  /** Lines of the batch (total_objects). */
  lines: number;
  remaining: number;
  upload: (HttpOutcome & { url: string }) | undefined;
  /** Informational, as the module's md5(serialize($data)); here the md5 of the NDJSON text. */
  md5: string;
}

/** Above this many queued entries of a content the module's guard wipes its queue and restarts its full sync. */
const MAX_QUEUE = 1_000_000;

/**
 * ps_eventbus' SynchronizationService: full and incremental pages, live-sync notifications and the
 * incremental queue (cloudsync-protocol §4.2–§4.4).
 */
export class SynchronizationService {
  constructor(private readonly ctx: ModuleContext) {}

  /** One page by OFFSET; the offset moves on only when the collector answered 201. */
  async sendFullSync(content: string, jobId: string, lang: string, offset: number, limit: number, token: string): Promise<SyncResult> {
    const { data, state } = this.ctx;
    const table = data.table(content);
    const single = SINGLE_PAGE_CONTENTS.has(content);
    const batch = new NdjsonWriter();
    if (single) table.writePage(lang, 0, Number.POSITIVE_INFINITY, batch);
    else table.writePage(lang, offset, limit, batch);
    const upload = batch.lines > 0 ? await this.upload(jobId, batch, true, token) : undefined;
    if (upload?.httpCode === 201) offset += limit;
    let remaining = single ? 0 : table.count(lang) - offset;
    if (remaining <= 0) {
      remaining = 0;
      offset = 0;
    }
    state.setTypeSync(content, lang, { offset, fullSyncFinished: remaining === 0, lastSyncDate: mysqlNow() });
    if (upload?.httpCode === 201 && remaining > 0) await this.churn(content, lang);
    return { lines: batch.lines, remaining, upload, md5: md5(batch) };
  }

  /** The queued entries of a content and language; they leave the queue only on 201 (or an empty batch). */
  async sendIncrementalSync(content: string, jobId: string, lang: string, limit: number, token: string): Promise<SyncResult> {
    const { data, state } = this.ctx;
    const entries = state.queue.take(content, lang, limit);
    const collection = rulesFor(content).content.collection;
    const batch = new NdjsonWriter();
    // info and themes never have an incremental batch (getContentsForIncremental returns []).
    if (!SINGLE_PAGE_CONTENTS.has(content)) {
      data.table(content).writeIncremental(lang, entries.filter((e) => e.action === 'upsert').map((e) => e.id), limit, batch);
      for (const entry of entries) if (entry.action === 'delete') batch.line(phpJsonEncode({ action: 'delete', collection, properties: { id: entry.id } }));
    }
    const upload = batch.lines > 0 ? await this.upload(jobId, batch, false, token) : undefined;
    if (!upload || upload.httpCode === 201) state.queue.remove(content, lang, entries.map((e) => e.id));
    return { lines: batch.lines, remaining: state.queue.count(content, lang), upload, md5: md5(batch) };
  }

  /** A merchant's change: the hooks' notifications and queue entries, in the hooks' order. */
  async afterUpsert(change: Change): Promise<void> {
    await this.run(upsertHookSteps(change, this.ctx.data));
  }

  async afterDelete(content: string, id: string): Promise<void> {
    await this.run(deleteHookSteps(content, id));
  }

  private async run(steps: HookStep[]): Promise<void> {
    for (const step of steps) {
      if (step.kind === 'notify') await this.sendLiveSync(step.contents, step.action);
      else this.insertContentIntoIncremental(step);
    }
  }

  private async sendLiveSync(contents: readonly string[], action: string): Promise<void> {
    const { state, stats, data } = this.ctx;
    for (const content of contents) {
      if (!state.isFullSyncDone(content, data.languages.default)) {
        stats.liveSync.fullSyncNotDone++;
        continue;
      }
      if (!state.debounceLiveSync(content, Date.now(), this.ctx.liveSyncDebounceMs)) {
        stats.liveSync.debounced++;
        continue;
      }
      const { token } = await this.ctx.tokens.get();
      const outcome = await this.ctx.client.notify(this.ctx.shopId, content, action, token);
      stats.liveSync.sent++;
      countStatus(stats.liveSync.byStatus, outcome.httpCode);
    }
  }

  private insertContentIntoIncremental(step: QueueStep): void {
    const { state, stats, data, faults } = this.ctx;
    if (step.items.length === 0) return;
    if (faults.loseEvent()) {
      // The size guard counts the first content's queue, may wipe it, and returns before queueing.
      const first = step.items[0]![0];
      if (state.queue.countContent(first) > MAX_QUEUE) {
        state.queue.purge(first);
        state.setTypeSync(first, data.languages.default, { offset: 0, fullSyncFinished: false, lastSyncDate: mysqlNow() });
      }
      stats.queue.lostEvents++;
      return;
    }
    const languages = step.allLanguages ? data.languages.isos : [data.languages.default];
    for (const lang of languages) {
      for (const [content, ids] of step.items) {
        if (!state.isFullSyncDone(content, lang)) continue;
        for (const id of ids) {
          const key = content === 'products' && step.allLanguages && typeof id === 'number' ? `${id}-0` : String(id);
          state.queue.insert(content, lang, key, step.action);
          stats.queue.queued++;
        }
      }
    }
  }

  private async upload(jobId: string, batch: NdjsonWriter, fullSync: boolean, token: string): Promise<HttpOutcome & { url: string }> {
    const { stats } = this.ctx;
    const outcome = await this.ctx.client.upload(jobId, batch.toBuffer(), fullSync, token);
    countStatus(stats.uploads.byStatus, outcome.httpCode);
    if (fullSync) stats.uploads.fullPages++;
    else stats.uploads.incrementalBatches++;
    stats.uploads.lines += batch.lines;
    stats.uploads.bytes += outcome.bytes;
    return { httpCode: outcome.httpCode, body: outcome.body, url: outcome.url };
  }

  /** Rows inserted and deleted by the shop between two pages (fault `churn`), through the hooks. */
  private async churn(content: string, lang: string): Promise<void> {
    const churn = this.ctx.faults.churn(content);
    if (!churn) return;
    const { data, stats } = this.ctx;
    const rules = rulesFor(content);
    for (let i = 0; i < churn.deletes; i++) {
      const change = data.deleteAt(content, lang, 0);
      if (!change) break;
      stats.faults.churnDeletes++;
      const row = change.records[0]!.get(lang) ?? change.records[0]!.values().next().value!;
      await this.afterDelete(content, rules.incrementalKey(row));
    }
    for (let i = 0; i < churn.inserts; i++) {
      const change = data.insertFresh(content, 0);
      if (!change) break;
      stats.faults.churnInserts++;
      await this.afterUpsert(change);
    }
  }
}

function md5(batch: NdjsonWriter): string {
  return createHash('md5').update(batch.toBuffer()).digest('hex');
}

/** The module's $dateNow: a MySQL datetime (the simulated shop's clock is UTC). */
export function mysqlNow(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ');
}
