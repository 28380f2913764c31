/** Counters of everything the simulator did, for tests, benchmarks and the CLI's stats line. */
export interface SimStats {
  calls: { apiShopContent: number; apiHealthCheck: number; control: number; notFound: number };
  /** Replies of the two controllers by HTTP status. */
  replies: Record<string, number>;
  jobValidations: { requests: number; accepted: number; refused: number; cached: number };
  uploads: {
    /** By the collector's status ("0" when it could not be reached or timed out). */
    byStatus: Record<string, number>;
    fullPages: number;
    incrementalBatches: number;
    lines: number;
    bytes: number;
  };
  liveSync: { sent: number; debounced: number; fullSyncNotDone: number; byStatus: Record<string, number> };
  queue: { queued: number; lostEvents: number };
  faults: { hang: number; error500: number; shopError: number; malformedJson: number; churnInserts: number; churnDeletes: number };
  tokens: { fetched: number; failures: number };
}

export function emptyStats(): SimStats {
  return {
    calls: { apiShopContent: 0, apiHealthCheck: 0, control: 0, notFound: 0 },
    replies: {},
    jobValidations: { requests: 0, accepted: 0, refused: 0, cached: 0 },
    uploads: { byStatus: {}, fullPages: 0, incrementalBatches: 0, lines: 0, bytes: 0 },
    liveSync: { sent: 0, debounced: 0, fullSyncNotDone: 0, byStatus: {} },
    queue: { queued: 0, lostEvents: 0 },
    faults: { hang: 0, error500: 0, shopError: 0, malformedJson: 0, churnInserts: 0, churnDeletes: 0 },
    tokens: { fetched: 0, failures: 0 },
  };
}

export function countStatus(counts: Record<string, number>, status: number): void {
  counts[status] = (counts[status] ?? 0) + 1;
}

/** One line for people: calls, uploads by status, lines and bytes sent. */
export function statsLine(stats: SimStats): string {
  const statuses = (counts: Record<string, number>) => Object.entries(counts).map(([status, n]) => `${status}:${n}`).join(' ') || '-';
  const mib = (stats.uploads.bytes / 1_048_576).toFixed(1);
  return (
    `calls shop-content=${stats.calls.apiShopContent} health=${stats.calls.apiHealthCheck} | ` +
    `uploads ${statuses(stats.uploads.byStatus)} (${stats.uploads.fullPages} full pages, ${stats.uploads.incrementalBatches} incremental, ${stats.uploads.lines} lines, ${mib} MiB) | ` +
    `live-sync sent=${stats.liveSync.sent} debounced=${stats.liveSync.debounced} | jobs validated=${stats.jobValidations.accepted} refused=${stats.jobValidations.refused}`
  );
}
