import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TasksRepository } from '../../src/sync/storage/tasks-repository.js';
import { registerShop } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** The durable queue of pulls, against the real database of the run (SQLite or PostgreSQL). */
describe('sync task queue', () => {
  let ts: TestServer;
  let tasks: TasksRepository;

  // A fresh server per test: claims are global, so one test's queue must not feed another's.
  beforeEach(async () => {
    ts = await startTestServer();
    tasks = ts.server.core.sync.tasks;
  });
  afterEach(async () => ts?.close());

  it('coalesces triggers into one queued pull per shop content and language; a full covers an incremental', async () => {
    const { shopId } = await registerShop(ts);
    const first = await tasks.enqueue({ shopId, content: 'products', langIso: 'en', mode: 'incremental', trigger: 'schedule' }, 100);
    const second = await tasks.enqueue({ shopId, content: 'products', langIso: 'en', mode: 'incremental', trigger: 'live_sync' }, 100);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.task.taskId).toBe(first.task.taskId);
    expect(second.task.priority).toBe(0); // the live-sync trigger raised its priority
    const upgraded = await tasks.enqueue({ shopId, content: 'products', langIso: 'en', mode: 'full', trigger: 'api' }, 100);
    expect(upgraded.task.taskId).toBe(first.task.taskId);
    expect(upgraded.task.mode).toBe('full');
    expect(upgraded.task.fullPending).toBe(true);
    const other = await tasks.enqueue({ shopId, content: 'products', langIso: 'fr', mode: 'incremental', trigger: 'schedule' }, 100);
    expect(other.created).toBe(true);
    expect((await tasks.active(shopId)).length).toBe(2);
  });

  it('claims due pulls by priority, never two of the same key at once, and at most the per-shop limit', async () => {
    const { shopId } = await registerShop(ts);
    const now = Date.now();
    await tasks.enqueue({ shopId, content: 'orders', langIso: 'en', mode: 'full', trigger: 'resync' }, 100, now);
    await tasks.enqueue({ shopId, content: 'customers', langIso: 'en', mode: 'full', trigger: 'api' }, 100, now);
    await tasks.enqueue({ shopId, content: 'carts', langIso: 'en', mode: 'full', trigger: 'consent', runAfter: now + 60_000 }, 100, now);
    await tasks.enqueue({ shopId, content: 'currencies', langIso: 'en', mode: 'full', trigger: 'consent' }, 100, now);

    const a = await tasks.claim('worker-a', 2, 10_000, now);
    const b = await tasks.claim('worker-b', 2, 10_000, now);
    const c = await tasks.claim('worker-c', 2, 10_000, now);
    expect(a?.content).toBe('customers'); // api trigger first
    expect(b?.content).toBe('currencies'); // then consent; carts is not due
    expect(c).toBeUndefined(); // per-shop limit 2
    await tasks.release(a!.taskId, 'worker-a', { status: 'succeeded' });
    expect((await tasks.claim('worker-c', 2, 10_000, now))?.content).toBe('orders');
    // A queued pull of a key that is running waits for the running one.
    await tasks.enqueue({ shopId, content: 'currencies', langIso: 'en', mode: 'incremental', trigger: 'api' }, 100, now);
    await tasks.release(b!.taskId, 'worker-b', { status: 'succeeded' });
    expect((await tasks.claim('worker-d', 5, 10_000, now))?.content).toBe('currencies');
  });

  it('gives the pull of a dead worker to another once its lease expires, and the dead one can no longer write', async () => {
    const { shopId } = await registerShop(ts);
    const now = Date.now();
    await tasks.enqueue({ shopId, content: 'stores', langIso: 'en', mode: 'full', trigger: 'api' }, 100, now);
    const taken = await tasks.claim('dead', 5, 1_000, now);
    expect(taken?.status).toBe('running');
    expect(await tasks.claim('alive', 5, 1_000, now + 500)).toBeUndefined();
    const resumed = await tasks.claim('alive', 5, 1_000, now + 1_500);
    expect(resumed?.taskId).toBe(taken!.taskId);
    expect(resumed?.lockedBy).toBe('alive');
    expect(await tasks.renew(taken!.taskId, 'dead', 1_000)).toBe(false);
    expect(await tasks.progress(taken!.taskId, 'dead', { pages: 99 }, 1_000)).toBe(false);
    expect(await tasks.release(taken!.taskId, 'dead', { status: 'failed' })).toBe(false);
    expect((await tasks.find(taken!.taskId))?.pages).toBe(0);
    expect(await tasks.release(taken!.taskId, 'alive', { status: 'succeeded' }, { pages: 3 })).toBe(true);
    expect((await tasks.find(taken!.taskId))?.status).toBe('succeeded');
  });

  it('never hands one pull to two of many concurrent claimers', async () => {
    const shops = await Promise.all(Array.from({ length: 6 }, () => registerShop(ts)));
    for (const { shopId } of shops) {
      for (const content of ['products', 'orders']) await tasks.enqueue({ shopId, content, langIso: 'en', mode: 'full', trigger: 'api' }, 100);
    }
    const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => tasks.claim(`w${i}`, 1, 10_000)));
    const claimed = claims.filter((t) => t !== undefined && shops.some((s) => s.shopId === t.shopId));
    const ids = claimed.map((t) => t!.taskId);
    expect(new Set(ids).size).toBe(ids.length);
    // One per shop (limit 1): six shops, six pulls.
    expect(new Set(claimed.map((t) => t!.shopId)).size).toBe(6);
    expect(claimed.length).toBe(6);
  });
});
