import { useState } from 'preact/hooks';
import { unwrap, useConsole, useLoad } from '../../api.js';
import { ErrorMessage, HealthBadge, Loading } from '../../components/Status.js';
import { formatInstant } from '../../format.js';
import { ApiProblem } from '../../session.js';

export function HealthSection({ shopId }: { shopId: string }) {
  const ctx = useConsole();
  const health = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shop/{shopId}/health', { params: { path: { shopId } } })), `health ${shopId}`);
  const [probeError, setProbeError] = useState<Error>();
  const [probing, setProbing] = useState(false);
  const probe = async () => {
    setProbing(true);
    setProbeError(undefined);
    try {
      await unwrap(ctx, ctx.api.POST('/admin/v1/shops/{shopId}/health-check', { params: { path: { shopId } } }));
      health.reload();
    } catch (error) {
      setProbeError(error as Error);
    } finally {
      setProbing(false);
    }
  };
  const neverProbed = health.error instanceof ApiProblem && health.error.code === 'health_unknown';
  const h = health.data;
  return (
    <section aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      {ctx.session.kind === 'admin' && (
        <button type="button" class="secondary" disabled={probing} onClick={() => void probe()}>
          {probing ? 'Checking…' : 'Run health check'}
        </button>
      )}
      <ErrorMessage error={probeError} title="The health check failed" />
      {neverProbed ? <p>psif has not probed this shop yet.</p> : <ErrorMessage error={health.error} title="Could not load the health" />}
      {health.loading && !h && !health.error && <Loading what="the health" />}
      {h && (
        <dl class="facts" data-testid="health">
          <dt>Status</dt>
          <dd>
            <HealthBadge healthy={h.healthy} />
          </dd>
          <dt>Checked</dt>
          <dd>{formatInstant(h.checkedAt)}</dd>
          <dt>Latency</dt>
          <dd>{h.latencyMs} ms</dd>
          <dt>Last healthy</dt>
          <dd>{formatInstant(h.lastHealthyAt)}</dd>
          {h.error && (
            <>
              <dt>Error</dt>
              <dd>
                <code>{h.error.code}</code> {h.error.description}
                {h.error.message && ` (${h.error.message})`}
              </dd>
            </>
          )}
          {h.report && (
            <>
              <dt>Versions</dt>
              <dd>
                PrestaShop {h.report.prestashopVersion ?? '?'}, ps_eventbus {h.report.psEventbusVersion ?? '?'}, ps_accounts {h.report.psAccountsVersion ?? '?'}, PHP {h.report.phpVersion ?? '?'}
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
