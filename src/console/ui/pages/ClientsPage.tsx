import { useState } from 'preact/hooks';
import type { components } from '../../../client/openapi.js';
import { unwrap, useConsole, useLoad } from '../api.js';
import { Dialog } from '../components/Dialog.js';
import { SecretDialog } from '../components/SecretDialog.js';
import { ErrorMessage, Loading } from '../components/Status.js';
import { TableScroll } from '../components/TableScroll.js';
import { formatInstant } from '../format.js';

type Client = components['schemas']['Client'];
type Kind = 'admin' | 'vendor' | 'shop';

/** Admin only: the OAuth clients of psif. Secrets are shown once, at creation and rotation. */
export function ClientsPage() {
  const ctx = useConsole();
  const list = useLoad((c) => unwrap(c, c.api.GET('/admin/v1/clients', { params: { query: { limit: 1000, offset: 0 } } })), 'clients');
  const [secret, setSecret] = useState<{ title: string; clientId: string; clientSecret: string }>();
  const [deleting, setDeleting] = useState<Client>();
  const [actionError, setActionError] = useState<Error>();

  const act = async (work: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await work();
      list.reload();
    } catch (error) {
      setActionError(error as Error);
    }
  };
  const path = (client: Client) => ({ params: { path: { clientId: client.clientId } } });
  const rotate = (client: Client) =>
    act(async () => {
      const rotated = await unwrap(ctx, ctx.api.POST('/admin/v1/clients/{clientId}/rotate-secret', { ...path(client), body: {} }));
      setSecret({ title: `New secret of ${client.name}`, clientId: rotated.client.clientId, clientSecret: rotated.clientSecret });
    });
  const toggle = (client: Client) =>
    act(() => unwrap(ctx, client.status === 'active' ? ctx.api.POST('/admin/v1/clients/{clientId}/disable', path(client)) : ctx.api.POST('/admin/v1/clients/{clientId}/enable', path(client))));

  return (
    <section>
      <h1>Clients</h1>
      <CreateClient
        onCreated={(created) => {
          setSecret({ title: `Client ${created.client.name} created`, clientId: created.client.clientId, clientSecret: created.clientSecret });
          list.reload();
        }}
      />
      <h2>All clients</h2>
      <ErrorMessage error={actionError} title="The action failed" />
      <ErrorMessage error={list.error} title="Could not list the clients" />
      {list.loading && !list.data && <Loading what="clients" />}
      {list.data && (
        <TableScroll label="Clients">
          <table>
            <caption>{list.data.total} clients</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Client id</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((client) => (
                <tr key={client.clientId} data-client-id={client.clientId}>
                  <th scope="row">{client.name}</th>
                  <td>{client.kind}</td>
                  <td>
                    <code>{client.clientId}</code>
                  </td>
                  <td>{client.status}</td>
                  <td>{formatInstant(client.createdAt)}</td>
                  <td class="row-actions">
                    <button type="button" class="small" onClick={() => void rotate(client)}>
                      Rotate secret<span class="visually-hidden"> of {client.name}</span>
                    </button>
                    {client.clientId !== ctx.session.clientId && (
                      <>
                        <button type="button" class="small secondary" onClick={() => void toggle(client)}>
                          {client.status === 'active' ? 'Disable' : 'Enable'}
                          <span class="visually-hidden"> {client.name}</span>
                        </button>
                        <button type="button" class="small danger" onClick={() => setDeleting(client)}>
                          Delete<span class="visually-hidden"> {client.name}</span>
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {secret && <SecretDialog {...secret} onClose={() => setSecret(undefined)} />}
      {deleting && (
        <Dialog title={`Delete ${deleting.name}?`} onClose={() => setDeleting(undefined)}>
          <p>
            The client <code>{deleting.clientId}</code> and its secrets are deleted; its tokens stop working everywhere. This cannot be undone.
          </p>
          <div class="actions">
            <button
              type="button"
              class="danger"
              onClick={() => {
                const client = deleting;
                setDeleting(undefined);
                void act(() => unwrap(ctx, ctx.api.DELETE('/admin/v1/clients/{clientId}', path(client))));
              }}
            >
              Delete
            </button>
            <button type="button" class="secondary" onClick={() => setDeleting(undefined)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

function CreateClient({ onCreated }: { onCreated(created: components['schemas']['ClientWithSecret']): void }) {
  const ctx = useConsole();
  const [kind, setKind] = useState<Kind>('vendor');
  const [name, setName] = useState('');
  const [shopId, setShopId] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = kind === 'shop' ? { kind, shopId: shopId.trim() } : { kind, name: name.trim() };
      onCreated(await unwrap(ctx, ctx.api.POST('/admin/v1/clients', { body })));
      setName('');
      setShopId('');
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-client-title">
      <h2 id="create-client-title">Create a client</h2>
      <ErrorMessage error={error} title="Could not create the client" />
      <div class="fields">
        <div>
          <label for="client-kind">Kind</label>
          <select id="client-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            <option value="vendor">vendor</option>
            <option value="admin">admin</option>
            <option value="shop">shop</option>
          </select>
        </div>
        {kind === 'shop' ? (
          <div>
            <label for="client-shop-id">Shop id</label>
            <input id="client-shop-id" required pattern="[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}" value={shopId} onInput={(e) => setShopId(e.currentTarget.value)} />
          </div>
        ) : (
          <div>
            <label for="client-name">Name</label>
            <input id="client-name" required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </div>
        )}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create client'}
      </button>
    </form>
  );
}
