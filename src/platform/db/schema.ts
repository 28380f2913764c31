import type { ColumnType } from 'kysely';

/**
 * The database as Kysely sees it. Timestamps are epoch milliseconds (bigint), the one representation that
 * compares and indexes the same way on SQLite and PostgreSQL. JSON lists are stored as text.
 */
export interface Database {
  server_meta: { key: string; value: string };
  oauth_clients: OAuthClientTable;
  oauth_client_secrets: OAuthClientSecretTable;
  signing_keys: SigningKeyTable;
  revoked_tokens: RevokedTokenTable;
  shops: ShopTable;
  modules: ModuleTable;
  consents: ConsentTable;
  consent_events: ConsentEventTable;
  sync_jobs: SyncJobTable;
  uploads: UploadTable;
  live_sync_requests: LiveSyncRequestTable;
  sync_tasks: SyncTaskTable;
  sync_state: SyncStateTable;
  sync_errors: SyncErrorTable;
  shop_health: ShopHealthTable;
}

export interface OAuthClientTable {
  client_id: string;
  kind: string;
  name: string;
  shop_id: string | null;
  token_endpoint_auth_method: string;
  grant_types: string;
  scopes: string;
  audiences: string;
  access_token_ttl: number | null;
  status: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface OAuthClientSecretTable {
  id: string;
  client_id: string;
  secret_hash: string;
  created_at: number;
  /** null while current; set when rotated out (end of the grace period). */
  expires_at: number | null;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  public_jwk: string;
  /** AES-256-GCM sealed PKCS#8 PEM; never stored in clear. */
  private_key_sealed: string;
  status: ColumnType<'active' | 'retired', string, string>;
  created_at: number;
  retired_at: number | null;
  /** After this instant no token it signed can still be valid: the key leaves the JWKS. */
  unpublish_at: number | null;
}

export interface RevokedTokenTable {
  jti: string;
  client_id: string;
  expires_at: number;
  revoked_at: number;
}

export interface ShopTable {
  shop_id: string;
  url: string;
  /** JSON array of ISO language codes. */
  languages: string;
  /** The psif `shop` client registered with the shop, if any (shops may use external tokens instead). */
  client_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface ModuleTable {
  name: string;
  vendor_client_id: string;
  created_at: number;
}

export interface ConsentTable {
  shop_id: string;
  module_name: string;
  consent: string;
  granted_at: number;
}

export interface ConsentEventTable {
  event_id: string;
  shop_id: string;
  module_name: string;
  consent: string;
  action: 'granted' | 'revoked';
  via: string;
  at: number;
}

export interface SyncJobTable {
  job_id: string;
  shop_id: string;
  /** JSON array of snake_case content names. */
  contents: string;
  mode: 'full' | 'incremental';
  lang_iso: string | null;
  created_at: number;
  expires_at: number;
  validated_at: number | null;
  last_upload_at: number | null;
}

export interface UploadTable {
  upload_id: string;
  shop_id: string;
  job_id: string;
  endpoint: 'upload' | 'delete';
  received_at: number;
  duration_ms: number;
  status: 'stored' | 'rejected';
  http_status: number;
  error_code: string | null;
  error_message: string | null;
  bytes: number;
  lines: number;
  upserted: number;
  deleted: number;
  skipped: number;
  /** JSON array of the collections the upload held. */
  collections: string;
  full_sync_requested: number | null;
  user_agent: string | null;
  /** JSON array of the first bad lines of a rejected upload. */
  bad_lines: string | null;
}

export interface LiveSyncRequestTable {
  shop_id: string;
  content: string;
  /** First notification not yet served by a pull. */
  pending_since: number;
  /** When the orchestrator should pull: pending_since + the debounce. */
  due_at: number;
  last_notified_at: number;
  last_action: string;
  notifications: number;
}

export type SyncMode = 'full' | 'incremental';
export type SyncTaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One pull of (shop, content, language) by the orchestrator: the durable job queue. */
export interface SyncTaskTable {
  task_id: string;
  shop_id: string;
  content: string;
  lang_iso: string;
  mode: SyncMode;
  /** What asked for it: consent, api, shop, live_sync, schedule, resync. */
  trigger: string;
  status: SyncTaskStatus;
  /** Lower runs first. */
  priority: number;
  /** The psif sync job the shop uploads under; kept across retries so the shop's job cache stays valid. */
  job_id: string | null;
  page_size: number;
  /** 1 until a full pull's first call (full=1) has succeeded; later calls send full=0 and resume the shop's offset. */
  full_pending: number;
  pages: number;
  objects: number;
  remaining: number | null;
  calls: number;
  /** Consecutive failed calls; reset by a successful one. */
  failures: number;
  run_after: number;
  /** The worker holding the lease until locked_until (an expired lease means it died), or the last one that ran the pull. */
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  started_at: number | null;
  /** When this full sync's first page was asked for: rows not re-sent since are reconciled away. */
  full_started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  error_code: string | null;
  error_message: string | null;
  /** Rows soft-deleted by the reconciliation that ended a full sync. */
  reconciled: number | null;
}

/** Where each (shop, content, language) stands: never synced, in its full sync, or incremental. */
export interface SyncStateTable {
  shop_id: string;
  content: string;
  lang_iso: string;
  mode: 'never' | 'full' | 'incremental';
  /** The adaptive page size learned from the shop's answers. */
  page_size: number;
  first_full_sync_finished_at: number | null;
  last_full_sync_started_at: number | null;
  last_full_sync_finished_at: number | null;
  last_incremental_at: number | null;
  last_success_at: number | null;
  last_error_at: number | null;
  last_error_code: string | null;
  updated_at: number;
}

/** A failed call to a shop, classified (sync/error-codes.ts); the Reporting API counts them. */
export interface SyncErrorTable {
  error_id: string;
  shop_id: string;
  task_id: string | null;
  content: string;
  lang_iso: string | null;
  mode: SyncMode | null;
  code: string;
  http_status: number | null;
  message: string;
  at: number;
}

/** The last apiHealthCheck probe of a shop. */
export interface ShopHealthTable {
  shop_id: string;
  checked_at: number;
  healthy: number;
  latency_ms: number;
  http_status: number | null;
  error_code: string | null;
  error_message: string | null;
  /** JSON of the shop's answer. */
  report: string | null;
  last_healthy_at: number | null;
}
