// The webhook receiver of bench/billing.ts: a vendor's endpoint that does nothing but accept. Reads each
// POST body to the end, answers 204, and counts the requests and the distinct `webhook-id` headers (a
// delivery sent twice shows as more requests than ids). GET /stats answers the counts as JSON. It runs
// in its own process (pinned to the other core when taskset exists) so receiving never competes with
// psif's dispatcher for an event loop. Prints "READY <port>" once listening.

import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);
let requests = 0;
let bytes = 0;
let missingId = 0;
const ids = new Set<string>();

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests, distinctIds: ids.size, missingId, bytes }));
    return;
  }
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    requests++;
    const id = request.headers['webhook-id'];
    if (typeof id === 'string' && id !== '') ids.add(id);
    else missingId++;
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`READY ${typeof address === 'object' && address ? address.port : port}`);
});
