import { Type } from '@sinclair/typebox';
import type { SyncTask } from '../model.js';
import type { ShopHealth } from '../storage/health-repository.js';
import type { SyncState } from '../storage/state-repository.js';

const iso = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
const DateOrNull = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const TaskDetailView = Type.Object({
  taskId: Type.String(),
  shopContent: Type.String(),
  langIso: Type.String(),
  mode: Type.String(),
  trigger: Type.String(),
  status: Type.String(),
  pages: Type.Integer(),
  objects: Type.Integer(),
  remaining: Type.Union([Type.Integer(), Type.Null()]),
  pageSize: Type.Integer(),
  calls: Type.Integer(),
  failures: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: DateOrNull,
  finishedAt: DateOrNull,
  runAfter: Type.String({ format: 'date-time' }),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Union([Type.String(), Type.Null()]),
  reconciled: Type.Union([Type.Integer(), Type.Null()]),
  worker: Type.Union([Type.String({ description: 'The worker process running the pull, or the last one that did' }), Type.Null()]),
});

export function taskDetailView(task: SyncTask) {
  return {
    taskId: task.taskId, shopContent: task.content, langIso: task.langIso, mode: task.mode, trigger: task.trigger, status: task.status,
    pages: task.pages, objects: task.objects, remaining: task.remaining, pageSize: task.pageSize, calls: task.calls, failures: task.failures,
    createdAt: iso(task.createdAt)!, startedAt: iso(task.startedAt), finishedAt: iso(task.finishedAt), runAfter: iso(task.runAfter)!,
    errorCode: task.errorCode, errorMessage: task.errorMessage, reconciled: task.reconciled, worker: task.lockedBy,
  };
}

export const StateView = Type.Object({
  shopContent: Type.String(),
  langIso: Type.String(),
  mode: Type.Union([Type.Literal('never'), Type.Literal('full'), Type.Literal('incremental')]),
  pageSize: Type.Integer(),
  firstFullSyncFinishedAt: DateOrNull,
  lastFullSyncStartedAt: DateOrNull,
  lastFullSyncFinishedAt: DateOrNull,
  lastIncrementalAt: DateOrNull,
  lastSuccessAt: DateOrNull,
  lastErrorAt: DateOrNull,
  lastErrorCode: Type.Union([Type.String(), Type.Null()]),
});

export function stateView(state: SyncState) {
  return {
    shopContent: state.content, langIso: state.lang_iso, mode: state.mode, pageSize: Number(state.page_size),
    firstFullSyncFinishedAt: iso(state.first_full_sync_finished_at), lastFullSyncStartedAt: iso(state.last_full_sync_started_at),
    lastFullSyncFinishedAt: iso(state.last_full_sync_finished_at), lastIncrementalAt: iso(state.last_incremental_at), lastSuccessAt: iso(state.last_success_at),
    lastErrorAt: iso(state.last_error_at), lastErrorCode: state.last_error_code,
  };
}

export const HealthView = Type.Object({
  healthy: Type.Boolean(),
  checkedAt: Type.String({ format: 'date-time' }),
  lastHealthyAt: DateOrNull,
  latencyMs: Type.Integer(),
  httpStatus: Type.Union([Type.Integer(), Type.Null()]),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Union([Type.String(), Type.Null()]),
  report: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
});

export function healthView(health: ShopHealth) {
  return {
    healthy: Number(health.healthy) === 1, checkedAt: iso(health.checked_at)!, lastHealthyAt: iso(health.last_healthy_at), latencyMs: Number(health.latency_ms),
    httpStatus: health.http_status, errorCode: health.error_code, errorMessage: health.error_message,
    report: health.report ? (JSON.parse(health.report) as Record<string, unknown>) : null,
  };
}
