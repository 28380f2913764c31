import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openCore } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { isolatedEnv } from '../support/server.js';

describe('master secret', () => {
  it('a process with another master secret refuses to start on an existing database', async () => {
    const { env, cleanup } = await isolatedEnv();
    try {
      const first = await openCore(loadConfig({ ...env, PSIF_SECRET_KEY: randomBytes(32).toString('hex') }));
      await first.close();
      await expect(openCore(loadConfig({ ...env, PSIF_SECRET_KEY: randomBytes(32).toString('hex') }))).rejects.toThrow(/another master secret/);
    } finally {
      await cleanup();
    }
  });

  it('the same secret opens the database again and unseals its signing keys', async () => {
    const { env, cleanup } = await isolatedEnv();
    const secret = randomBytes(32).toString('hex');
    try {
      const first = await openCore(loadConfig({ ...env, PSIF_SECRET_KEY: secret }));
      const kid = first.auth.keys.signingKey().kid;
      await first.close();
      const second = await openCore(loadConfig({ ...env, PSIF_SECRET_KEY: secret }));
      expect(second.auth.keys.signingKey().kid).toBe(kid);
      await second.close();
    } finally {
      await cleanup();
    }
  });

  it('refuses a secret.key file that other users can read', async () => {
    const { env, cleanup } = await isolatedEnv();
    try {
      const file = path.join(env.PSIF_DATA_DIR!, 'secret.key');
      writeFileSync(file, randomBytes(32).toString('hex'));
      chmodSync(file, 0o644);
      await expect(openCore(loadConfig(env))).rejects.toThrow(/readable by other users.*chmod 600/);
    } finally {
      await cleanup();
    }
  });
});
