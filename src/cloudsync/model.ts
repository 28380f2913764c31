/** A sync job: psif's permission for one shop to upload a set of contents, until it expires. */
export interface Job {
  jobId: string;
  shopId: string;
  /** snake_case content names the job may upload. */
  contents: string[];
  mode: 'full' | 'incremental';
  /** The language the job pulls (apiShopContent's lang_iso), if it is bound to one. */
  langIso: string | null;
  createdAt: Date;
  expiresAt: Date;
  validatedAt: Date | null;
  lastUploadAt: Date | null;
}

/** What a stored upload did; the 201 body of the collector. */
export interface UploadResult {
  /** Non-blank lines, all valid. */
  accepted: number;
  /** Upsert lines applied. */
  upserted: number;
  /** Rows soft-deleted (a delete line can match several rows: languages, combinations). */
  deleted: number;
  /** Blank lines (ps_eventbus writes one when json_encode fails). */
  skipped: number;
  /** `collection.property` names the catalog does not know; their values are not stored. */
  ignoredProperties: string[];
}
