// SPDX-License-Identifier: Apache-2.0
// Stand-in for vfarcic/go-demo-2: HTTP on 8080, GET /demo/hello, needs its DB (mongo on 27017) at startup.
'use strict';
const http = require('http');
const net = require('net');

// DB address: the variable named by DB_ENV (e.g. GO_DEMO_2_DB_SERVICE_HOST), else DB, else localhost.
const dbHost = (process.env.DB_ENV && process.env[process.env.DB_ENV]) || process.env.DB || 'localhost';
const release = process.env.RELEASE || '';
const greeting = release ? `hello, release ${release}!\n` : 'hello, world!\n';
const people = [];

function reachable(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('timeout', () => done(false));
    s.once('error', () => done(false));
  });
}

async function main() {
  // The real image exits when it cannot reach its DB; containers of one pod start together,
  // so give the DB a few seconds to open its port first.
  const deadline = Date.now() + 5000;
  let ok = false;
  while (!(ok = await reachable(dbHost, 27017, 1000)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (!ok) {
    console.error(`could not connect to the database at ${dbHost}:27017`);
    process.exit(1);
  }
  console.log(`connected to the database at ${dbHost}:27017`);
  http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://x');
    if (url.pathname === '/demo/hello') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(greeting);
    } else if (url.pathname === '/demo/person') {
      if (req.method === 'PUT' || req.method === 'POST') {
        people.push(url.searchParams.get('name') || 'unknown');
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(people.map((name) => ({ name }))) + '\n');
      }
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    }
  }).listen(8080, () => console.log('listening on :8080'));
}
// Serve on for a moment after SIGTERM, as well-behaved servers do: the endpoint removal that
// the same pod deletion triggers needs that long to reach every node's kube-proxy rules.
process.on('SIGTERM', () => setTimeout(() => process.exit(0), Number(process.env.DRAIN_SECONDS || 3) * 1000));
main();
