import type { Kysely, Selectable } from 'kysely';
import type { Database, OAuthClientTable } from '../../platform/db/schema.js';
import type { AuthMethod, Client, ClientKind } from '../model.js';

export type ClientRow = Selectable<OAuthClientTable>;

function toClient(row: ClientRow): Client {
  return {
    clientId: row.client_id,
    kind: row.kind as ClientKind,
    name: row.name,
    shopId: row.shop_id,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method as AuthMethod,
    grantTypes: JSON.parse(row.grant_types) as string[],
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    audiences: JSON.parse(row.audiences) as string[],
    accessTokenTtl: row.access_token_ttl,
    status: row.status as Client['status'],
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    disabledAt: row.disabled_at === null ? null : new Date(row.disabled_at),
  };
}

function toRow(client: Client): ClientRow {
  return {
    client_id: client.clientId,
    kind: client.kind,
    name: client.name,
    shop_id: client.shopId,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    grant_types: JSON.stringify(client.grantTypes),
    scopes: client.scopes.join(' '),
    audiences: JSON.stringify(client.audiences),
    access_token_ttl: client.accessTokenTtl,
    status: client.status,
    created_at: client.createdAt.getTime(),
    updated_at: client.updatedAt.getTime(),
    disabled_at: client.disabledAt?.getTime() ?? null,
  };
}

export interface SecretRow {
  secretHash: string;
  expiresAt: number | null;
}

export class ClientsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(clientId: string): Promise<Client | undefined> {
    const row = await this.db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && toClient(row);
  }

  async findByName(kind: ClientKind, name: string): Promise<Client | undefined> {
    const row = await this.db.selectFrom('oauth_clients').selectAll().where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
    return row && toClient(row);
  }

  /** The client and its usable secrets in one round trip: the token endpoint's hot path. */
  async findWithSecrets(clientId: string, now: number): Promise<{ client: Client; secrets: SecretRow[] } | undefined> {
    const rows = await this.db
      .selectFrom('oauth_clients as c')
      .leftJoin('oauth_client_secrets as s', (join) =>
        join.onRef('s.client_id', '=', 'c.client_id').on((eb) => eb.or([eb('s.expires_at', 'is', null), eb('s.expires_at', '>', now)])),
      )
      .selectAll('c')
      .select(['s.secret_hash', 's.expires_at as secret_expires_at'])
      .where('c.client_id', '=', clientId)
      .execute();
    const first = rows[0];
    if (!first) return undefined;
    const secrets = rows.filter((r) => r.secret_hash !== null).map((r) => ({ secretHash: r.secret_hash as string, expiresAt: r.secret_expires_at }));
    return { client: toClient(first), secrets };
  }

  async list(filter: { kind?: ClientKind; status?: string; limit: number; offset: number }): Promise<{ items: Client[]; total: number }> {
    let query = this.db.selectFrom('oauth_clients');
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.status) query = query.where('status', '=', filter.status);
    const [rows, count] = await Promise.all([
      query.selectAll().orderBy('created_at').orderBy('client_id').limit(filter.limit).offset(filter.offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toClient), total: Number(count.n) };
  }

  async insert(client: Client, secretHash: string, secretId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('oauth_clients').values(toRow(client)).execute();
      await tx
        .insertInto('oauth_client_secrets')
        .values({ id: secretId, client_id: client.clientId, secret_hash: secretHash, created_at: client.createdAt.getTime(), expires_at: null })
        .execute();
    });
  }

  async update(client: Client): Promise<void> {
    const { client_id, created_at, ...changes } = toRow(client);
    await this.db.updateTable('oauth_clients').set(changes).where('client_id', '=', client_id).execute();
  }

  /** The current secret starts expiring (grace period) and a new one becomes current, atomically. */
  async rotateSecret(clientId: string, newHash: string, secretId: string, now: number, graceEndsAt: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('oauth_client_secrets')
        .set({ expires_at: graceEndsAt })
        .where('client_id', '=', clientId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', graceEndsAt)]))
        .execute();
      await tx.deleteFrom('oauth_client_secrets').where('client_id', '=', clientId).where('expires_at', '<=', now).execute();
      await tx.insertInto('oauth_client_secrets').values({ id: secretId, client_id: clientId, secret_hash: newHash, created_at: now, expires_at: null }).execute();
      await tx.updateTable('oauth_clients').set({ updated_at: now }).where('client_id', '=', clientId).execute();
    });
  }

  async delete(clientId: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('oauth_client_secrets').where('client_id', '=', clientId).execute();
      const result = await tx.deleteFrom('oauth_clients').where('client_id', '=', clientId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async maxAccessTokenTtl(): Promise<number | null> {
    const row = await this.db.selectFrom('oauth_clients').select((eb) => eb.fn.max('access_token_ttl').as('ttl')).executeTakeFirst();
    return row?.ttl == null ? null : Number(row.ttl);
  }
}
