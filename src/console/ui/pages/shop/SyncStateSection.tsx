import type { paths } from '../../../../client/psif-client.js';
import { TableScroll } from '../../components/TableScroll.js';
import { formatDuration, formatInstant, formatNumber } from '../../format.js';

type State = paths['/reporting/v1/shop/{shopId}/sync-state']['get']['responses'][200]['content']['application/json']['items'][number];

export function SyncStateSection({ items }: { items: State[] }) {
  if (items.length === 0) return <p>No content is synced: the shop has given no consent that covers one.</p>;
  return (
    <TableScroll label="Sync state">
      <table data-testid="sync-state">
        <caption>Where each content stands, per language</caption>
        <thead>
          <tr>
            <th scope="col">Content</th>
            <th scope="col">Language</th>
            <th scope="col">Mode</th>
            <th scope="col" class="num">Rows</th>
            <th scope="col">Lag</th>
            <th scope="col">Last success</th>
            <th scope="col">Now</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={`${item.shopContent}/${item.langIso}`}>
              <th scope="row">{item.shopContent}</th>
              <td>{item.langIso || 'default'}</td>
              <td>{item.mode}</td>
              <td class="num">{formatNumber(item.rowCount)}</td>
              <td>{formatDuration(item.lag)}</td>
              <td>{formatInstant(item.lastSuccessAt)}</td>
              <td>{item.activeTask ? `${item.activeTask.mode} ${item.activeTask.status}` : 'idle'}</td>
              <td>{item.lastError ? <span title={item.lastError.description}>{item.lastError.code}</span> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
