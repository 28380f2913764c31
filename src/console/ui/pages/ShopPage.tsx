import { useEffect, useState } from 'preact/hooks';
import type { paths } from '../../../client/psif-client.js';
import { unwrap, useConsole, useLoad } from '../api.js';
import { ErrorMessage, Loading } from '../components/Status.js';
import { Link } from '../router.js';
import { ConsentsSection } from './shop/ConsentsSection.js';
import { ErrorsSection } from './shop/ErrorsSection.js';
import { HealthSection } from './shop/HealthSection.js';
import { JobsSection } from './shop/JobsSection.js';
import { SyncStateSection } from './shop/SyncStateSection.js';

type Queued = paths['/sync/v1/sync/trigger']['post']['responses'][200]['content']['application/json'];

/** How long the page follows triggered pulls: enough for a small shop, bounded for a large one. */
const FOLLOW_MS = 30_000;

export function ShopPage({ shopId }: { shopId: string }) {
  const ctx = useConsole();
  const shop = { params: { path: { shopId } } };
  const setup = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shop-sync-setup/{shopId}', shop)), `setup ${shopId}`);
  const state = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shop/{shopId}/sync-state', shop)), `state ${shopId}`);
  const jobs = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shop/{shopId}/jobs', { params: { path: { shopId }, query: { limit: 20 } } })), `jobs ${shopId}`);
  const [queued, setQueued] = useState<Queued & { mode: string; until: number }>();
  const [triggerError, setTriggerError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const contents = [...new Set((state.data?.items ?? []).map((item) => item.shopContent))];
  const trigger = async (mode: 'incremental' | 'full') => {
    setBusy(true);
    setTriggerError(undefined);
    try {
      const body = { shopId, shopContents: contents };
      const answer = await unwrap(ctx, mode === 'full' ? ctx.api.POST('/sync/v1/sync/trigger-full', { body }) : ctx.api.POST('/sync/v1/sync/trigger', { body }));
      setQueued({ ...answer, mode, until: Date.now() + FOLLOW_MS });
      jobs.reload();
      state.reload();
    } catch (error) {
      setTriggerError(error as Error);
    } finally {
      setBusy(false);
    }
  };

  // Follow the triggered pulls until each shows up in the job list as finished, or the time is up.
  const pending = queued && queued.tasks.some((task) => {
    const job = jobs.data?.items.find((j) => j.id === task.taskId);
    return !job || job.status === 'queued' || job.status === 'running';
  });
  useEffect(() => {
    if (!queued || !pending || Date.now() > queued.until) return;
    const timer = setTimeout(() => {
      jobs.reload();
      state.reload();
    }, 1000);
    return () => clearTimeout(timer);
  }, [queued, pending, jobs.data]);

  return (
    <section>
      <p class="breadcrumb">
        <Link href="/shops">Shops</Link> / <span>{shopId}</span>
      </p>
      <h1>Shop {setup.data ? new URL(setup.data.targetUrl).host : shopId}</h1>
      <ErrorMessage error={setup.error} title="Could not load the shop" />
      {setup.data && (
        <dl class="facts">
          <dt>Shop id</dt>
          <dd>
            <code>{shopId}</code>
          </dd>
          <dt>URL</dt>
          <dd>{setup.data.targetUrl}</dd>
          <dt>Languages</dt>
          <dd>{setup.data.shopLanguages.join(', ') || '—'}</dd>
        </dl>
      )}
      <div class="actions" role="group" aria-label="Sync">
        <button type="button" disabled={busy || contents.length === 0} onClick={() => void trigger('incremental')}>
          Sync now
        </button>
        <button type="button" class="secondary" disabled={busy || contents.length === 0} onClick={() => void trigger('full')}>
          Full sync
        </button>
      </div>
      <ErrorMessage error={triggerError} title="The sync could not be triggered" />
      {queued && (
        <div class="notice" role="status" data-testid="queued">
          <p>
            {queued.tasks.length} {queued.mode} pulls queued{pending && Date.now() < queued.until ? '; following their progress…' : '.'}
          </p>
          <ul>
            {queued.tasks.map((task) => (
              <li key={task.taskId}>
                {task.shopContent}
                {task.langIso && ` (${task.langIso})`}: {jobs.data?.items.find((j) => j.id === task.taskId)?.status ?? task.status}
              </li>
            ))}
          </ul>
        </div>
      )}
      <HealthSection shopId={shopId} />
      <ConsentsSection shopId={shopId} />
      <h2>Sync state</h2>
      <ErrorMessage error={state.error} title="Could not load the sync state" />
      {state.loading && !state.data && <Loading what="the sync state" />}
      {state.data && <SyncStateSection items={state.data.items} />}
      <h2>Jobs</h2>
      <ErrorMessage error={jobs.error} title="Could not load the jobs" />
      {jobs.loading && !jobs.data && <Loading what="the jobs" />}
      {jobs.data && <JobsSection jobs={jobs.data.items} total={jobs.data.total} />}
      <ErrorsSection shopId={shopId} />
    </section>
  );
}
