import { useState } from 'preact/hooks';
import { unwrap, useConsole, useLoad } from '../api.js';
import { Chart } from '../components/Chart.js';
import { ErrorMessage, Loading } from '../components/Status.js';
import { TableScroll } from '../components/TableScroll.js';
import { formatBucket, formatMoney, formatNumber, formatPercent } from '../format.js';

const WINDOWS = { '24h': { label: '24 hours', ms: 86_400_000 }, '7d': { label: '7 days', ms: 7 * 86_400_000 }, '30d': { label: '30 days', ms: 30 * 86_400_000 } };
type WindowName = keyof typeof WINDOWS;

export function DashboardPage() {
  const { session } = useConsole();
  const [range, setRange] = useState<WindowName>('24h');
  const [sandbox, setSandbox] = useState(false);
  const [vendorId, setVendorId] = useState('');
  const overview = useLoad((c) => {
    const end = new Date();
    const start = new Date(end.getTime() - WINDOWS[range].ms);
    const query = { start: start.toISOString(), end: end.toISOString(), sandbox, ...(vendorId ? { vendorId } : {}) };
    return unwrap(c, c.api.GET('/reporting/v1/overview', { params: { query } }));
  }, `overview ${range} ${sandbox} ${vendorId}`);
  const o = overview.data;
  return (
    <section>
      <h1>Dashboard</h1>
      <p>{session.kind === 'admin' ? 'Every shop, module and vendor of this psif.' : `The shops that consent to the modules of ${session.name}.`}</p>
      <div class="toolbar">
        <fieldset class="segmented">
          <legend>Window</legend>
          {(Object.keys(WINDOWS) as WindowName[]).map((name) => (
            <label key={name}>
              <input type="radio" name="window" value={name} checked={range === name} onChange={() => setRange(name)} />
              {WINDOWS[name].label}
            </label>
          ))}
        </fieldset>
        {session.kind === 'admin' && <VendorPicker value={vendorId} onChange={setVendorId} />}
        <label class="inline">
          <input type="checkbox" checked={sandbox} onChange={(e) => setSandbox(e.currentTarget.checked)} /> Sandbox billing data
        </label>
      </div>
      <ErrorMessage error={overview.error} title="Could not load the overview" />
      {overview.loading && !o && <Loading what="the overview" />}
      {o && (
        <>
          <ul class="cards" aria-label="Key figures">
            <Card label="Shops" value={o.shops} id="shops" />
            <Card label="Modules" value={o.modules.length} id="modules" />
            <Card label="Active installations" value={o.installations.active} id="active-installations" />
            <Card label="Inactive installations" value={o.installations.inactive} id="inactive-installations" />
          </ul>
          <div class="charts">
            <Chart
              title="Shops by country"
              type="bar"
              labels={o.shopsByCountry.map((c) => c.country)}
              series={[{ label: 'shops', data: o.shopsByCountry.map((c) => c.shops) }]}
              summary={o.shopsByCountry.length === 0 ? 'No shop yet.' : o.shopsByCountry.map((c) => `${c.country}: ${formatNumber(c.shops)}`).join(', ')}
            />
            <Chart
              title="Sync volume"
              type="bar"
              labels={o.syncVolume.map((b) => formatBucket(b.at, o.bucket))}
              series={[{ label: 'objects pulled', data: o.syncVolume.map((b) => b.objects) }]}
              summary={`${formatNumber(o.syncVolume.reduce((sum, b) => sum + b.objects, 0))} objects pulled over the last ${WINDOWS[range].label}, per ${o.bucket}.`}
            />
            <Chart
              title="Sync errors"
              type="line"
              labels={o.syncVolume.map((b) => formatBucket(b.at, o.bucket))}
              series={[{ label: 'failed calls', data: o.syncVolume.map((b) => b.errors) }]}
              summary={`${formatNumber(o.syncVolume.reduce((sum, b) => sum + b.errors, 0))} failed calls to shops over the last ${WINDOWS[range].label}, per ${o.bucket}.`}
            />
          </div>
          <section aria-labelledby="billing-title" class="panel">
            <h2 id="billing-title">Billing ({o.billing.environment})</h2>
            <ul class="cards">
              <Card label="Active subscriptions" value={o.billing.activeSubscriptions} id="active-subscriptions" />
              <Card label="Trials" value={o.billing.trialSubscriptions} id="trial-subscriptions" />
              <li class="card">
                <span class="card-label">MRR</span>
                <span class="card-value" data-testid="kpi-mrr">
                  {o.billing.mrr.length === 0 ? '—' : o.billing.mrr.map((m) => formatMoney(m.amount, m.currency)).join(' · ')}
                </span>
              </li>
              <li class="card">
                <span class="card-label">Churn</span>
                <span class="card-value" data-testid="kpi-churn">
                  {o.billing.churn.rate === null ? '—' : formatPercent(o.billing.churn.rate)}
                </span>
                <span class="card-note">
                  {o.billing.churn.cancelled} cancelled of {o.billing.churn.activeAtStart} active at the start
                </span>
              </li>
            </ul>
          </section>
          <h2>Modules</h2>
          {o.modules.length === 0 ? (
            <p>No module.</p>
          ) : (
            <TableScroll label="Modules">
              <table>
                <caption>Installations per module</caption>
                <thead>
                  <tr>
                    <th scope="col">Module</th>
                    <th scope="col">Vendor client</th>
                    <th scope="col" class="num">Active</th>
                    <th scope="col" class="num">Inactive</th>
                  </tr>
                </thead>
                <tbody>
                  {o.modules.map((m) => (
                    <tr key={m.name}>
                      <th scope="row">{m.name}</th>
                      <td>
                        <code>{m.vendorClientId}</code>
                      </td>
                      <td class="num">{formatNumber(m.activeInstallations)}</td>
                      <td class="num">{formatNumber(m.inactiveInstallations)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </>
      )}
    </section>
  );
}

/** Operators see every vendor at once, or one of them as that vendor sees itself. */
function VendorPicker({ value, onChange }: { value: string; onChange(vendorId: string): void }) {
  const vendors = useLoad((c) => unwrap(c, c.api.GET('/admin/v1/clients', { params: { query: { kind: 'vendor', limit: 1000, offset: 0 } } })), 'vendors');
  return (
    <div>
      <label for="vendor">Vendor</label>
      <select id="vendor" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">All vendors</option>
        {vendors.data?.items.map((vendor) => (
          <option key={vendor.clientId} value={vendor.clientId}>
            {vendor.name}
          </option>
        ))}
      </select>
      <ErrorMessage error={vendors.error} title="Could not list the vendors" />
    </div>
  );
}

function Card({ label, value, id }: { label: string; value: number; id: string }) {
  return (
    <li class="card">
      <span class="card-label">{label}</span>
      <span class="card-value" data-testid={`kpi-${id}`}>
        {formatNumber(value)}
      </span>
    </li>
  );
}
