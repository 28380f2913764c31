import type { ColumnType } from 'kysely';

/**
 * The database as Kysely sees it. Timestamps are epoch milliseconds (bigint), the one representation that
 * compares and indexes the same way on SQLite and PostgreSQL. JSON lists are stored as text.
 */
export interface Database {
  server_meta: { key: string; value: string };
  oauth_clients: OAuthClientTable;
  oauth_client_secrets: OAuthClientSecretTable;
  signing_keys: SigningKeyTable;
  revoked_tokens: RevokedTokenTable;
}

export interface OAuthClientTable {
  client_id: string;
  kind: string;
  name: string;
  shop_id: string | null;
  token_endpoint_auth_method: string;
  grant_types: string;
  scopes: string;
  audiences: string;
  access_token_ttl: number | null;
  status: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

export interface OAuthClientSecretTable {
  id: string;
  client_id: string;
  secret_hash: string;
  created_at: number;
  /** null while current; set when rotated out (end of the grace period). */
  expires_at: number | null;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  public_jwk: string;
  /** AES-256-GCM sealed PKCS#8 PEM; never stored in clear. */
  private_key_sealed: string;
  status: ColumnType<'active' | 'retired', string, string>;
  created_at: number;
  retired_at: number | null;
  /** After this instant no token it signed can still be valid: the key leaves the JWKS. */
  unpublish_at: number | null;
}

export interface RevokedTokenTable {
  jti: string;
  client_id: string;
  expires_at: number;
  revoked_at: number;
}
