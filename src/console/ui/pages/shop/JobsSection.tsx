import type { paths } from '../../../../client/psif-client.js';
import { TableScroll } from '../../components/TableScroll.js';
import { formatInstant, formatNumber } from '../../format.js';

type Job = paths['/reporting/v1/shop/{shopId}/jobs']['get']['responses'][200]['content']['application/json']['items'][number];

export function JobsSection({ jobs, total }: { jobs: Job[]; total: number }) {
  if (jobs.length === 0) return <p>No pull yet.</p>;
  return (
    <TableScroll label="Jobs">
      <table data-testid="jobs">
        <caption>
          The {jobs.length} newest of {formatNumber(total)} pulls
        </caption>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Content</th>
            <th scope="col">Mode</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Objects</th>
            <th scope="col" class="num">Duration</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id} data-job-id={job.id}>
              <td>{formatInstant(job.createdAt)}</td>
              <th scope="row">
                {job.shopContent}
                {job.langIso && ` (${job.langIso})`}
              </th>
              <td>{job.mode}</td>
              <td>{job.trigger}</td>
              <td>
                <span class={`badge status-${job.status}`}>{job.status}</span>
              </td>
              <td class="num">{formatNumber(job.objects)}</td>
              <td class="num">{job.durationMs === null ? '—' : `${formatNumber(job.durationMs)} ms`}</td>
              <td>{job.lastError ? `${job.lastError.code}: ${job.lastError.description}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
