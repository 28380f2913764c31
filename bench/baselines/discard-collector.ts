// The baseline collector of bench/fullsync.ts: answers ps_eventbus like psif does (201 to the job check
// and to every upload) but reads each upload body to the end and throws it away. What is left of a full
// sync is the shop producing and sending its pages. Prints "READY <port>" once listening.

import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);
let uploads = 0;
let bytes = 0;

const server = createServer((request, response) => {
  const url = request.url ?? '/';
  if (request.method === 'GET' && /\/job\/[^/]+$/.test(url)) return void response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  if (request.method === 'GET' && url === '/stats') return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ uploads, bytes }));
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    if (request.method === 'POST' && /\/upload\/[^/]+$/.test(url)) uploads++;
    response.writeHead(request.method === 'POST' ? 201 : 404, { 'content-type': 'application/json' }).end('{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`READY ${typeof address === 'object' && address ? address.port : port}`);
});
