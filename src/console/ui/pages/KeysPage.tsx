import { useState } from 'preact/hooks';
import { unwrap, useConsole, useLoad } from '../api.js';
import { ErrorMessage, Loading } from '../components/Status.js';
import { TableScroll } from '../components/TableScroll.js';
import { formatInstant } from '../format.js';

/** Admin only: the published signing keys, and rotation (the old key stays published until its tokens expire). */
export function KeysPage() {
  const ctx = useConsole();
  const keys = useLoad((c) => unwrap(c, c.api.GET('/admin/v1/keys')), 'keys');
  const [error, setError] = useState<Error>();
  const [rotated, setRotated] = useState<string>();
  const [busy, setBusy] = useState(false);
  const rotate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const key = await unwrap(ctx, ctx.api.POST('/admin/v1/keys/rotate', { body: {} }));
      setRotated(`Key ${key.kid} (${key.alg}) signs new tokens from now on.`);
      keys.reload();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h1>Signing keys</h1>
      <p>Tokens are signed by the active key. A rotated key stays in the JWKS until every token it signed has expired.</p>
      <button type="button" onClick={() => void rotate()} disabled={busy}>
        {busy ? 'Rotating…' : 'Rotate the signing key'}
      </button>
      <p role="status">{rotated}</p>
      <ErrorMessage error={error} title="Rotation failed" />
      <ErrorMessage error={keys.error} title="Could not list the keys" />
      {keys.loading && !keys.data && <Loading what="keys" />}
      {keys.data && (
        <TableScroll label="Signing keys">
          <table>
            <caption>{keys.data.items.length} published keys</caption>
            <thead>
              <tr>
                <th scope="col">Key id</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Retired</th>
                <th scope="col">Unpublished at</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.kid}>
                  <th scope="row">
                    <code>{key.kid}</code>
                  </th>
                  <td>{key.alg}</td>
                  <td>{key.status}</td>
                  <td>{formatInstant(key.createdAt)}</td>
                  <td>{formatInstant(key.retiredAt)}</td>
                  <td>{formatInstant(key.unpublishAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
