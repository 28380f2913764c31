import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_FAMILIES } from '../../src/platform/http/openapi.js';
import { CLI } from '../support/cli.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** `psif postman` writes the collections a running psif serves at /postman/{family}.json, without one. */
const execFileAsync = promisify(execFile);
let ts: TestServer;
let out: string;

beforeAll(async () => {
  ts = await startTestServer();
  out = mkdtempSync(path.join(tmpdir(), 'psif-postman-'));
});
afterAll(async () => {
  await ts?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

interface Item { name: string; item?: Item[]; request?: { method: string; auth?: unknown; url: { path: string[]; query?: { key: string; disabled?: boolean }[]; variable?: unknown[] }; body?: { mode?: string } }; event?: unknown[] }
interface Collection { info: { name: string }; item: Item[]; auth?: unknown; event?: unknown[]; variable?: unknown[] }

/**
 * What must be equal: every request (name, method, path, auth, query switches, path variables, body mode,
 * scripts) and the collection's auth, scripts and variables. Not the item ids and the faked example values
 * of bodies without examples, which the converter draws anew at each conversion.
 */
function shape(collection: Collection) {
  const requests = (items: Item[]): unknown[] =>
    items.flatMap((item) => [
      ...(item.request ? [{ name: item.name, method: item.request.method, path: item.request.url.path.join('/'), auth: item.request.auth, query: item.request.url.query?.map((q) => [q.key, q.disabled === true]), variable: item.request.url.variable, body: item.request.body?.mode, event: item.event }] : []),
      ...requests(item.item ?? []),
    ]);
  return { name: collection.info.name, auth: collection.auth, event: collection.event, variable: collection.variable, requests: requests(collection.item) };
}

describe('psif postman --out <dir>', () => {
  it('writes <family>.json for every family, the same collections as GET /postman/{family}.json', async () => {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, 'postman', '--out', out, '--public-url', ts.url], { env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 });
    const families = Object.keys(API_FAMILIES);
    expect(readdirSync(out).sort()).toEqual(families.map((f) => `${f}.json`).sort());
    expect(stdout.trim().split('\n')).toEqual(families.map((f) => path.join(out, `${f}.json`)));
    // Not a terminal here: plain progress lines on stderr.
    expect(stderr).toMatch(/^postman collections: 7\/7 ops done$/m);
    for (const family of families) {
      const written = JSON.parse(readFileSync(path.join(out, `${family}.json`), 'utf8')) as Collection;
      const served = (await (await fetch(`${ts.url}/postman/${family}.json`)).json()) as Collection;
      expect(shape(written), family).toEqual(shape(served));
    }
  }, 150_000);

  it('writes only the families named with --family, and refuses an unknown one', async () => {
    const only = mkdtempSync(path.join(tmpdir(), 'psif-postman-'));
    try {
      await execFileAsync(process.execPath, [CLI, 'postman', '--out', only, '--family', 'ops', '--family', 'auth'], { env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
      expect(readdirSync(only).sort()).toEqual(['auth.json', 'ops.json']);
      const ops = JSON.parse(readFileSync(path.join(only, 'ops.json'), 'utf8')) as Collection;
      expect(ops.variable).toContainEqual(expect.objectContaining({ key: 'baseUrl', value: 'http://localhost:8080' }));
      const refused = await execFileAsync(process.execPath, [CLI, 'postman', '--out', only, '--family', 'nope'], { env: { PATH: process.env.PATH ?? '' } }).catch((error: { code: number; stderr: string }) => error);
      expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown family; known: auth, admin/) });
    } finally {
      rmSync(only, { recursive: true, force: true });
    }
  }, 90_000);
});
