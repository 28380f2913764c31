import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One master secret protects everything psif keeps secret at rest: it is the pepper of client secret
 * hashes and the key that seals signing keys in the database. Sub-keys are derived with HKDF so a leak of
 * one purpose's key says nothing about another's.
 */
export class MasterSecret {
  private constructor(private readonly secret: Buffer) {}

  static fromHex(hex: string): MasterSecret {
    return new MasterSecret(Buffer.from(hex, 'hex'));
  }

  /**
   * Reads <dataDir>/secret.key, creating it (0600) on first start. Refuses a file that others can read,
   * as ssh does with private keys: a readable pepper would make every stored hash worthless.
   */
  static loadOrCreate(dataDir: string): { secret: MasterSecret; created: boolean } {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'secret.key');
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
      return { secret: MasterSecret.fromHex(readFileSync(file, 'utf8').trim()), created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      throw new Error(`${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
    }
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64,}$/.test(hex)) throw new Error(`${file} does not hold a hex secret of at least 32 bytes`);
    return { secret: MasterSecret.fromHex(hex), created: false };
  }

  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.secret, Buffer.alloc(0), `psif:${purpose}`, 32));
  }

  /** A value stored in the database so a process started with a different secret fails loudly, not subtly. */
  fingerprint(): string {
    return createHmac('sha256', this.deriveKey('fingerprint')).update('psif').digest('hex').slice(0, 16);
  }
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Comparing against itself keeps the time independent of where a length mismatch happens.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
