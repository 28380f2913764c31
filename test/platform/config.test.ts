import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/platform/config/config.js';

describe('loadConfig', () => {
  it('has working defaults for a fresh machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', publicUrl: 'http://localhost:8080', apiAudience: 'http://localhost:8080', databaseUrl: undefined, logLevel: 'info' });
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.auth).toMatchObject({ accessTokenTtlSeconds: 3600, signingAlg: 'ES256', audienceMatching: 'exact', rateLimitPerIp: 300, rateLimitPerClient: 60 });
  });

  it('normalises the public URL (the issuer is compared byte for byte) and lets the API audience differ', () => {
    const config = loadConfig({ PSIF_PUBLIC_URL: 'https://psif.example.com/', PSIF_API_AUDIENCE: 'https://api.cloudsync.prestashop.com' });
    expect(config.publicUrl).toBe('https://psif.example.com');
    expect(config.apiAudience).toBe('https://api.cloudsync.prestashop.com');
  });

  it.each([
    ['PSIF_PORT', '-1'],
    ['PSIF_PORT', '8080x'],
    ['PSIF_PUBLIC_URL', 'ftp://x'],
    ['PSIF_PUBLIC_URL', 'https://x/?a=1'],
    ['PSIF_TOKEN_TTL', '0'],
    ['PSIF_AUDIENCE_MATCHING', 'fuzzy'],
    ['PSIF_TRUST_PROXY', 'maybe'],
    ['PSIF_DATABASE_SCHEMA', 'Robert"); drop'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('reads an optional JSON file named by PSIF_CONFIG; the environment wins', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'psif-config-'));
    const file = path.join(dir, 'psif.json');
    writeFileSync(file, JSON.stringify({ PSIF_PORT: 9000, PSIF_TOKEN_TTL: 600, LOG_LEVEL: 'warn' }));
    const config = loadConfig({ PSIF_CONFIG: file, LOG_LEVEL: 'debug' });
    expect(config.port).toBe(9000);
    expect(config.auth.accessTokenTtlSeconds).toBe(600);
    expect(config.logLevel).toBe('debug');
    writeFileSync(file, JSON.stringify({ PSIF_PROT: 9000 }));
    expect(() => loadConfig({ PSIF_CONFIG: file })).toThrow(/PSIF_CONFIG: .*unknown variable PSIF_PROT/);
    expect(() => loadConfig({ PSIF_CONFIG: path.join(dir, 'missing.json') })).toThrow(/^PSIF_CONFIG: cannot read/);
  });

  it('every variable is documented in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name, description] of Object.entries(CONFIG_VARIABLES)) expect(readme, name).toContain(`| \`${name}\` | ${description} |`);
  });
});
