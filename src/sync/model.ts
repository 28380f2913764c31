import type { SyncMode, SyncTaskStatus } from '../platform/db/schema.js';

export type { SyncMode, SyncTaskStatus };

/** What asked for a pull; it also orders the queue (lower priority values run first). */
export const TRIGGERS = {
  api: 0,
  shop: 0,
  live_sync: 0,
  consent: 1,
  schedule: 2,
  resync: 3,
} as const;
export type Trigger = keyof typeof TRIGGERS;

/** One pull of (shop, content, language): a full sync or an incremental pass, until the shop has nothing left. */
export interface SyncTask {
  taskId: string;
  shopId: string;
  /** snake_case content name. */
  content: string;
  /** The language pulled; '' lets the shop use its default language. */
  langIso: string;
  mode: SyncMode;
  trigger: Trigger;
  status: SyncTaskStatus;
  priority: number;
  jobId: string | null;
  pageSize: number;
  fullPending: boolean;
  pages: number;
  objects: number;
  remaining: number | null;
  calls: number;
  failures: number;
  runAfter: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  createdAt: number;
  startedAt: number | null;
  fullStartedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  errorCode: string | null;
  errorMessage: string | null;
  reconciled: number | null;
}

export interface EnqueueRequest {
  shopId: string;
  content: string;
  langIso: string;
  mode: SyncMode;
  trigger: Trigger;
  /** Default: now. */
  runAfter?: number;
}
