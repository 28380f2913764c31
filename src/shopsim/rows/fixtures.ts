import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from '../content-rules.js';

/** The real ps_eventbus payloads kept in the repository (test/fixtures/ps_eventbus/<PrestaShop version>). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../test/fixtures/ps_eventbus', import.meta.url));

export function fixtureVersions(dir = FIXTURES_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

/**
 * The rows a content's fixture file holds. `info` (collection `shops`) is in info.json for every version;
 * 9 and 9.1 also have shops.json, captured from the current module (ISO dates, cms_version 9.1.0) while
 * their info.json is an older capture, so shops.json is preferred where it exists.
 */
export function fixtureRows(version: string, content: string, dir = FIXTURES_DIR): Row[] {
  const folder = path.join(dir, version);
  if (!existsSync(folder)) throw new Error(`no ps_eventbus fixtures for PrestaShop "${version}" (have ${fixtureVersions(dir).join(', ')})`);
  const candidates = content === 'info' ? ['shops.json', 'info.json'] : [`${content}.json`];
  const file = candidates.map((name) => path.join(folder, name)).find((candidate) => existsSync(candidate));
  if (!file) return [];
  const lines = JSON.parse(readFileSync(file, 'utf8')) as { properties: Row }[];
  return lines.map((line) => line.properties);
}
