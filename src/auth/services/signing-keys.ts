import { type KeyObject, createPrivateKey } from 'node:crypto';
import { type CryptoKey, type JWK, calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importJWK } from 'jose';
import { seal, unseal } from '../../platform/crypto/seal.js';
import { JwsSigner } from './sign-jws.js';
import type { SigningAlg } from '../../platform/config/config.js';
import type { KeysRepository, SigningKeyRow } from '../storage/keys-repository.js';

export interface PublishedKey {
  kid: string;
  alg: SigningAlg;
  status: 'active' | 'retired';
  createdAt: Date;
  retiredAt: Date | null;
  unpublishAt: Date | null;
  publicJwk: JWK;
}

interface LoadedKey extends PublishedKey {
  /** A WebCrypto key: jose verifies with CryptoKeys; a KeyObject would be converted on every call. */
  publicKey: CryptoKey;
  privateKey: KeyObject;
  /** Signs access tokens (header `typ: at+jwt`) with this key; made once per key, not per token. */
  signer: JwsSigner;
}

export interface KeyStoreOptions {
  sealKey: Buffer;
  defaultAlg: SigningAlg;
  /** Longest lifetime any token can have plus clock leeway: how long a retired key stays published. */
  longestTokenLifetimeMs: () => Promise<number>;
  /** How often a process re-reads the key set, so a rotation done elsewhere is picked up. */
  refreshIntervalMs?: number;
}

/**
 * Signing keys live in the database, their private halves sealed with a key derived from the master
 * secret, so every process sharing the database signs and verifies with the same set. The newest active
 * key signs; retired keys stay in the JWKS until every token they signed has expired.
 */
export class KeyStore {
  private keys = new Map<string, LoadedKey>();
  private signing: LoadedKey | undefined;
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;
  private readonly refreshIntervalMs: number;

  constructor(
    private readonly repository: KeysRepository,
    private readonly options: KeyStoreOptions,
  ) {
    this.refreshIntervalMs = options.refreshIntervalMs ?? 5_000;
  }

  /** Loads the key set and creates the first key on a fresh database. */
  async init(): Promise<{ created: boolean }> {
    await this.reload();
    if (this.signing) return { created: false };
    await this.rotate();
    return { created: true };
  }

  async rotate(alg: SigningAlg = this.options.defaultAlg): Promise<PublishedKey> {
    const now = Date.now();
    const row = await generateRow(alg, this.options.sealKey, now);
    // Keys signed a moment before the switch, by this or another process, must keep verifying.
    const unpublishAt = now + (await this.options.longestTokenLifetimeMs()) + this.refreshIntervalMs;
    await this.repository.insertActive(row, { at: now, unpublishAt });
    await this.reload();
    const created = this.keys.get(row.kid);
    if (!created) throw new Error('new signing key was not loaded');
    return publicView(created);
  }

  /** The key that signs new tokens; refreshed in the background so a rotation elsewhere is followed. */
  signingKey(): LoadedKey {
    this.refreshIfStale(Date.now());
    if (!this.signing) throw new Error('no active signing key: call init() first');
    return this.signing;
  }

  /** A verification key by kid. An unknown kid triggers at most one reload per second (rotation elsewhere). */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    const key = this.keys.get(kid);
    if (key && (key.unpublishAt === null || key.unpublishAt.getTime() > Date.now())) return key.publicKey;
    if (key || Date.now() - this.loadedAt < 1000) return undefined;
    await this.reloadOnce();
    return this.keys.get(kid)?.publicKey;
  }

  published(): PublishedKey[] {
    const now = Date.now();
    this.refreshIfStale(now);
    return [...this.keys.values()].filter((k) => k.unpublishAt === null || k.unpublishAt.getTime() > now).map(publicView);
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.published().map((k) => k.publicJwk) };
  }

  /** A failed background refresh keeps the keys already loaded; the next call tries again. */
  private refreshIfStale(now: number): void {
    if (now - this.loadedAt > this.refreshIntervalMs) this.reloadOnce().catch(() => undefined);
  }

  private reloadOnce(): Promise<void> {
    this.reloading ??= this.reload().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async reload(): Promise<void> {
    const now = Date.now();
    const rows = await this.repository.listPublished(now);
    const next = new Map<string, LoadedKey>();
    for (const row of rows) {
      // Unsealing and key parsing are the costly part; status and dates come fresh from the row.
      const known = this.keys.get(row.kid);
      next.set(row.kid, known ? { ...known, ...rowMetadata(row) } : await loadRow(row, this.options.sealKey));
    }
    this.keys = next;
    this.signing = [...next.values()].find((k) => k.status === 'active');
    this.loadedAt = now;
  }
}

async function generateRow(alg: SigningAlg, sealKey: Buffer, now: number): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  // php-jwt (used by ps_accounts) refuses a JWK without `alg`; `use` and `kid` help every other consumer.
  const publicJwk: JWK = { ...jwk, kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    public_jwk: JSON.stringify(publicJwk),
    private_key_sealed: seal(sealKey, await exportPKCS8(privateKey)),
    status: 'active',
    created_at: now,
    retired_at: null,
    unpublish_at: null,
  };
}

function rowMetadata(row: SigningKeyRow) {
  return {
    status: row.status,
    retiredAt: row.retired_at === null ? null : new Date(row.retired_at),
    unpublishAt: row.unpublish_at === null ? null : new Date(row.unpublish_at),
  };
}

async function loadRow(row: SigningKeyRow, sealKey: Buffer): Promise<LoadedKey> {
  const publicJwk = JSON.parse(row.public_jwk) as JWK;
  const privateKey = createPrivateKey(unseal(sealKey, row.private_key_sealed));
  return {
    kid: row.kid,
    alg: row.alg as SigningAlg,
    createdAt: new Date(row.created_at),
    ...rowMetadata(row),
    publicJwk,
    publicKey: (await importJWK(publicJwk, row.alg)) as CryptoKey,
    privateKey,
    signer: new JwsSigner({ alg: row.alg as SigningAlg, kid: row.kid, typ: 'at+jwt' }, privateKey),
  };
}

function publicView(key: LoadedKey): PublishedKey {
  const { publicKey: _p, privateKey: _k, signer: _s, ...view } = key;
  return view;
}
