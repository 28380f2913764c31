// Baseline of bench/raw.ts: the least a server can do to answer a Raw API list request. A bare node:http
// server that, for each request, runs the statements psif runs for it (consent check, count, page), each
// prepared once, and JSON.stringify()s the rows: no routing framework, no validation, no token check, no
// value encoding, no links.
//
// Env: PORT, and BASELINE_SPEC, a JSON object
//   { backend: 'sqlite' | 'postgres', sqliteFile?, pgUrl?, pgSchema?,
//     routes: { [path]: { consent, page, count: { sql, params } } } }
// where each route is a request psif was asked, with the SQL psif runs for it (see psifSql in bench/raw.ts).
// Prints `READY <port>` once listening.

import http from 'node:http';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

interface Statement {
  sql: string;
  params: unknown[];
}

interface Spec {
  backend: 'sqlite' | 'postgres';
  sqliteFile?: string;
  pgUrl?: string;
  pgSchema?: string;
  routes: Record<string, { consent: Statement; page: Statement; count: Statement }>;
}

type Run = (statement: Statement, name: string) => Promise<Record<string, unknown>[]>;

const spec = JSON.parse(process.env.BASELINE_SPEC ?? '') as Spec;

/** Runs a statement prepared once per connection. */
function runner(): Run {
  if (spec.backend === 'sqlite') {
    const db = new SqliteDatabase(spec.sqliteFile!);
    // psif's pragmas (src/platform/db/database.ts); none of them changes a read, but the connection is then psif's.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const prepared = new Map<string, SqliteDatabase.Statement>();
    return async ({ sql, params }) => {
      let statement = prepared.get(sql);
      if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
      return statement.all(...params) as Record<string, unknown>[];
    };
  }
  // psif's pool: size, bigint (epoch ms) read as numbers, schema through search_path.
  const pool = new pg.Pool({
    connectionString: spec.pgUrl,
    max: 10,
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) },
    ...(spec.pgSchema ? { options: `-c search_path=${spec.pgSchema}` } : {}),
  });
  // Named: parsed once per connection, as psif's ReadQuery does.
  return async ({ sql, params }, name) => (await pool.query({ name, text: sql, values: params })).rows as Record<string, unknown>[];
}

const run = runner();
const names = new Map(Object.keys(spec.routes).map((path, i) => [path, `baseline_${i}`]));

const server = http.createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0]!;
  const route = spec.routes[path];
  if (!route) {
    response.writeHead(404).end();
    return;
  }
  const name = names.get(path)!;
  void (async () => {
    try {
      if ((await run(route.consent, `${name}_consent`)).length === 0) {
        response.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"consent_missing"}');
        return;
      }
      // In psif's order: the count, then the page.
      const total = Number((await run(route.count, `${name}_count`))[0]?.n ?? 0);
      const items = await run(route.page, `${name}_page`);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, total }));
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  })();
});

server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`READY ${process.env.PORT}`));
