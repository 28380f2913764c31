/** Who a client is. The kind decides its default audiences and what psif's own APIs let it do. */
export const CLIENT_KINDS = ['vendor', 'shop', 'admin', 'resource_server'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const GRANT_TYPES = ['client_credentials'] as const;

export interface Client {
  clientId: string;
  kind: ClientKind;
  /** Vendor name (unique per kind), shop UUID for shops, a label for admins and resource servers. */
  name: string;
  shopId: string | null;
  tokenEndpointAuthMethod: AuthMethod;
  grantTypes: string[];
  scopes: string[];
  audiences: string[];
  accessTokenTtl: number | null;
  status: 'active' | 'disabled';
  createdAt: Date;
  updatedAt: Date;
  disabledAt: Date | null;
}

/** The caller of a psif resource route, once its bearer token has been verified. */
export interface Principal {
  clientId: string;
  kind: ClientKind;
  name: string;
  shopId: string | null;
  scopes: string[];
  audiences: string[];
  tokenId: string;
  expiresAt: number;
  /** Set only in PSIF_SHOP_TOKEN_INSECURE mode, for a token accepted without verification. */
  unverified?: true;
}
