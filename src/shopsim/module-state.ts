export type QueueAction = 'upsert' | 'delete';

/** A row of ps_eventbus_type_sync: where the full sync of a content in a language stands. */
export interface TypeSync {
  offset: number;
  fullSyncFinished: boolean;
  /** MySQL datetime in the shop's timezone, as the module stores it. */
  lastSyncDate: string;
}

export interface QueueEntry {
  id: string;
  action: QueueAction;
}

/**
 * The module's own tables (cloudsync-protocol §4.1), in memory: type_sync, the validated job ids, the
 * incremental queue and the live-sync debounce.
 */
export class ModuleState {
  /** ps_eventbus_job: validated job ids, kept forever. */
  readonly jobs = new Set<string>();
  readonly queue = new IncrementalQueue();
  private readonly typeSyncs = new Map<string, TypeSync>();
  private readonly liveSync = new Map<string, number>();

  typeSync(content: string, lang: string): TypeSync | undefined {
    return this.typeSyncs.get(`${content}\0${lang}`);
  }

  setTypeSync(content: string, lang: string, state: TypeSync): void {
    this.typeSyncs.set(`${content}\0${lang}`, state);
  }

  isFullSyncDone(content: string, lang: string): boolean {
    return this.typeSync(content, lang)?.fullSyncFinished === true;
  }

  /**
   * debounceLiveSync: true (and remembered) when the content was never notified or more than `windowMs`
   * ago; events inside the window are dropped, not postponed. A window of 0 lets every event through.
   */
  debounceLiveSync(content: string, now: number, windowMs: number): boolean {
    const last = this.liveSync.get(content);
    if (windowMs > 0 && last !== undefined && now - last <= windowMs) return false;
    this.liveSync.set(content, now);
    return true;
  }
}

/**
 * ps_eventbus_incremental_sync, primary key (type, id_object, lang): the last action queued for an object
 * wins. Its unordered SELECT … LIMIT reads the primary key's order, so entries are taken by id_object.
 */
export class IncrementalQueue {
  private readonly queues = new Map<string, Map<string, LanguageQueue>>();

  insert(content: string, lang: string, id: string, action: QueueAction): void {
    let byLang = this.queues.get(content);
    if (!byLang) this.queues.set(content, (byLang = new Map()));
    let queue = byLang.get(lang);
    if (!queue) byLang.set(lang, (queue = new LanguageQueue()));
    queue.set(id, action);
  }

  take(content: string, lang: string, limit: number): QueueEntry[] {
    return this.queues.get(content)?.get(lang)?.first(limit) ?? [];
  }

  remove(content: string, lang: string, ids: readonly string[]): void {
    this.queues.get(content)?.get(lang)?.deleteMany(ids);
  }

  count(content: string, lang: string): number {
    return this.queues.get(content)?.get(lang)?.size ?? 0;
  }

  /** Entries of a content in every language. */
  countContent(content: string): number {
    let total = 0;
    for (const queue of this.queues.get(content)?.values() ?? []) total += queue.size;
    return total;
  }

  /** removeIncrementaSyncObjectByType: every language (and every shop) at once. */
  purge(content: string): void {
    this.queues.delete(content);
  }

  entries(content: string, lang: string): QueueEntry[] {
    return this.take(content, lang, Number.POSITIVE_INFINITY);
  }
}

class LanguageQueue {
  private readonly actions = new Map<string, QueueAction>();
  private sorted: string[] | null = [];

  get size(): number {
    return this.actions.size;
  }

  set(id: string, action: QueueAction): void {
    if (!this.actions.has(id)) this.sorted = null;
    this.actions.set(id, action);
  }

  deleteMany(ids: readonly string[]): void {
    let deleted = false;
    for (const id of ids) deleted = this.actions.delete(id) || deleted;
    if (deleted && this.sorted) this.sorted = this.sorted.filter((id) => this.actions.has(id));
  }

  first(limit: number): QueueEntry[] {
    this.sorted ??= [...this.actions.keys()].sort(compareText);
    return this.sorted.slice(0, limit).map((id) => ({ id, action: this.actions.get(id)! }));
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
