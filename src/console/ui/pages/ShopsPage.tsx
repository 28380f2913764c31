import { useEffect, useState } from 'preact/hooks';
import { unwrap, useLoad } from '../api.js';
import { ErrorMessage, HealthBadge, Loading } from '../components/Status.js';
import { TableScroll } from '../components/TableScroll.js';
import { formatInstant, formatNumber } from '../format.js';
import { Link, navigate, useRoute } from '../router.js';

const PAGE = 25;

/** The shops the caller may see, searchable, a page at a time; the page and search live in the URL. */
export function ShopsPage() {
  const { query } = useRoute();
  const q = query.get('q') ?? '';
  const offset = Math.max(0, Number(query.get('offset')) || 0);
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);
  const shops = useLoad((c) => unwrap(c, c.api.GET('/reporting/v1/shops', { params: { query: { limit: PAGE, offset, ...(q ? { q } : {}) } } })), `shops ${q} ${offset}`);
  const go = (next: { q: string; offset: number }) => {
    const params = new URLSearchParams();
    if (next.q) params.set('q', next.q);
    if (next.offset) params.set('offset', String(next.offset));
    navigate(`/shops${params.size ? `?${params}` : ''}`);
  };
  const page = shops.data;
  return (
    <section>
      <h1>Shops</h1>
      <form
        role="search"
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          go({ q: search.trim(), offset: 0 });
        }}
      >
        <label for="shop-search">Search shops</label>
        <input id="shop-search" type="search" placeholder="Shop id, URL or module" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <ErrorMessage error={shops.error} title="Could not list the shops" />
      {shops.loading && !page && <Loading what="the shops" />}
      {page && (
        <>
          <TableScroll label="Shops">
            <table data-testid="shops">
              <caption>
                {page.total === 0 ? 'No shop' : `Shops ${page.offset + 1}–${page.offset + page.items.length} of ${formatNumber(page.total)}`}
                {q && ` matching “${q}”`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Shop</th>
                  <th scope="col">Health</th>
                  <th scope="col">Country</th>
                  <th scope="col">Modules</th>
                  <th scope="col">Last sync</th>
                  <th scope="col" class="num">Errors (24 h)</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((shop) => (
                  <tr key={shop.shopId} data-shop-id={shop.shopId}>
                    <th scope="row">
                      <Link href={`/shops/${shop.shopId}`}>{shop.url}</Link>
                      <br />
                      <code class="muted">{shop.shopId}</code>
                    </th>
                    <td>
                      <HealthBadge healthy={shop.healthy} />
                    </td>
                    <td>{shop.country ?? '—'}</td>
                    <td>{shop.modules.map((m) => m.name).join(', ') || '—'}</td>
                    <td>{formatInstant(shop.lastSyncAt)}</td>
                    <td class="num">{formatNumber(shop.errors24h)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <nav class="pager" aria-label="Pages">
            <button type="button" class="secondary" disabled={page.offset === 0} onClick={() => go({ q, offset: Math.max(0, page.offset - PAGE) })}>
              Previous
            </button>
            <button type="button" class="secondary" disabled={page.offset + page.items.length >= page.total} onClick={() => go({ q, offset: page.offset + PAGE })}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
