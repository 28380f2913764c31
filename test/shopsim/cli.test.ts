import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { createJob } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** `psif shop-sim` as a real process (after `npm run build`), registering itself in a running psif. */
let ts: TestServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await ts?.close();
});

interface Started {
  child: ChildProcess;
  info: { url: string; shop_id: string; client_id: string | null; languages: string[]; product_rows: number; registered: boolean };
  stderr: () => string;
  exited: Promise<number | null>;
}

async function startShopSim(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'shop-sim', ...args, '--json'], { env: { PATH: process.env.PATH ?? '', ...ts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const info = await new Promise<Started['info']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`shop-sim did not start: ${stderr}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        resolve(JSON.parse(stdout) as Started['info']);
        clearTimeout(timer);
      } catch {
        // the JSON is not complete yet
      }
    });
    void exited.then((code) => reject(new Error(`shop-sim exited with ${code}: ${stderr}`)));
  });
  return { child, info, stderr: () => stderr, exited };
}

describe('psif shop-sim', () => {
  it('registers the shop and its client in psif, serves a sync with them, and stops on SIGTERM with its stats', async () => {
    const started = performance.now();
    const sim = await startShopSim(['--products', '2700', '--languages', 'en,fr', '--port', '0', '--psif-url', ts.url, '--register', '--stats-interval', '0']);
    expect(performance.now() - started).toBeLessThan(10_000);
    const { info } = sim;
    expect(info).toMatchObject({ languages: ['en', 'fr'], product_rows: 4500, registered: true });
    const shop = await ts.server.core.shops.shops.get(info.shop_id);
    expect(shop).toMatchObject({ url: info.url, languages: ['en', 'fr'], clientId: info.client_id });

    const jobId = await createJob(ts, info.shop_id, { full: true, contents: ['products'], langIso: 'fr' });
    const reply = await fetch(`${info.url}/index.php?fc=module&module=ps_eventbus&controller=apiShopContent&shop_content=products&job_id=${jobId}&lang_iso=fr&limit=100&full=1`);
    expect(reply.status).toBe(201);
    expect(await reply.json()).toMatchObject({ object_type: 'products', total_objects: 100, remaining_objects: 4400, httpCode: 201 });
    const health = await fetch(`${info.url}/module/ps_eventbus/apiHealthCheck?job_id=${jobId}`);
    expect(await health.json()).toMatchObject({ shop_id: info.shop_id, ps_account: true });

    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    expect(sim.stderr()).toMatch(/calls shop-content=1 health=1 \| uploads 201:1 \(1 full pages/);
  });

  it('serves the fixtures of a version with a fixed token and faults from the command line', async () => {
    const sim = await startShopSim(['--fixtures', '1.7', '--port', '0', '--psif-url', ts.url, '--token', 'fixed', '--fault-500-next', '1', '--stats-interval', '0']);
    expect(sim.info).toMatchObject({ product_rows: 47, registered: false, client_id: null, languages: ['en'] });
    const url = `${sim.info.url}/index.php?fc=module&module=ps_eventbus&controller=apiHealthCheck`;
    expect((await fetch(url)).status).toBe(500);
    expect((await fetch(url)).status).toBe(200);
    expect(await (await fetch(`${sim.info.url}/__sim/faults`)).json()).toEqual({ error500: { next: 0 } });
    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
  });

  it('refuses invalid options with exit code 2', async () => {
    expect((await runCli(['shop-sim', '--fault-500-rate', '2'], ts.env)).code).toBe(2);
    expect((await runCli(['shop-sim', '--products', 'many'], ts.env)).code).toBe(2);
    const help = await runCli(['shop-sim', '--help'], ts.env);
    expect(help.stdout).toMatch(/--fixtures <version>/);
    expect(help.stdout).toMatch(/--register/);
  });
});
