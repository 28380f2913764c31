import { unwrap, useLoad } from '../../api.js';
import { Chart } from '../../components/Chart.js';
import { ErrorMessage, Loading } from '../../components/Status.js';
import { TableScroll } from '../../components/TableScroll.js';
import { formatBucket, formatNumber } from '../../format.js';

const HOUR = 3_600_000;

/** The shop's failed calls of the last 24 hours: per hour and code (a chart), and per code with what it means. */
export function ErrorsSection({ shopId }: { shopId: string }) {
  const shop = { params: { path: { shopId } } };
  const totals = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shop/{shopId}/errors', shop)), `errors ${shopId}`);
  const hourly = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shop/{shopId}/errors/hourly', shop)), `hourly ${shopId}`);

  let chart = null;
  if (hourly.data) {
    const first = Math.floor(Date.parse(hourly.data.start) / HOUR) * HOUR;
    const hours = Array.from({ length: Math.ceil((Date.parse(hourly.data.end) - first) / HOUR) }, (_, i) => first + i * HOUR);
    const codes = [...new Set(hourly.data.buckets.map((b) => b.code))];
    const series = codes.map((code) => ({
      label: code,
      data: hours.map((hour) => hourly.data!.buckets.find((b) => b.code === code && Date.parse(b.hour) === hour)?.count ?? 0),
    }));
    const total = hourly.data.buckets.reduce((sum, b) => sum + b.count, 0);
    chart = (
      <Chart
        title="Sync errors per hour"
        type="bar"
        stacked
        labels={hours.map((hour) => formatBucket(new Date(hour).toISOString(), 'hour'))}
        series={series.length > 0 ? series : [{ label: 'errors', data: hours.map(() => 0) }]}
        summary={total === 0 ? 'No failed call to the shop in the last 24 hours.' : `${formatNumber(total)} failed calls in the last 24 hours, codes ${codes.join(', ')}.`}
      />
    );
  }
  return (
    <section aria-labelledby="errors-title">
      <h2 id="errors-title">Errors</h2>
      <ErrorMessage error={hourly.error} title="Could not load the hourly errors" />
      {hourly.loading && !hourly.data && <Loading what="the hourly errors" />}
      {chart}
      <ErrorMessage error={totals.error} title="Could not load the errors" />
      {totals.data &&
        (totals.data.errors.length === 0 ? (
          <p>No errors in the last 24 hours.</p>
        ) : (
          <TableScroll label="Errors by code">
            <table data-testid="errors">
              <caption>Failed calls of the last 24 hours, by code</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">psif code</th>
                  <th scope="col" class="num">Calls</th>
                  <th scope="col">What it means</th>
                </tr>
              </thead>
              <tbody>
                {totals.data.errors.map((e) => (
                  <tr key={e.errorCode}>
                    <td>{e.code}</td>
                    <th scope="row">
                      <code>{e.errorCode}</code>
                    </th>
                    <td class="num">{formatNumber(e.distribution)}</td>
                    <td>{e.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        ))}
    </section>
  );
}
