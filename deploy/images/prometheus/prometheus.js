// SPDX-License-Identifier: Apache-2.0
// Stand-in for prom/prometheus: HTTP 9090 under the --web.external-url path; /config shows --config.file.
'use strict';
const http = require('http');
const fs = require('fs');
const arg = (name, def) => { const a = process.argv.find((x) => x.startsWith(`--${name}=`)); return a ? a.slice(name.length + 3) : def; };
const configFile = arg('config.file', '/etc/prometheus/prometheus.yml');
let prefix = '';
try { prefix = new URL(arg('web.external-url', '') || 'http://x/').pathname.replace(/\/$/, ''); } catch { prefix = ''; }
http.createServer((req, res) => {
  const p = new URL(req.url || '/', 'http://x').pathname;
  if (prefix && !p.startsWith(prefix)) { res.writeHead(404); res.end('404 page not found\n'); return; }
  const rest = p.slice(prefix.length) || '/';
  if (rest === '/config') {
    let body; try { body = fs.readFileSync(configFile, 'utf8'); } catch (e) { body = `error reading ${configFile}: ${e.message}`; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<html><body><h2>Configuration</h2><pre>${body.replace(/</g, '&lt;')}</pre></body></html>\n`); return;
  }
  if (rest === '/targets') { res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }); res.end('<html><body><h2>Targets</h2></body></html>\n'); return; }
  if (rest === '/' ) { res.writeHead(302, { Location: `${prefix}/graph` }); res.end(); return; }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }); res.end('<html><body>Prometheus Time Series Collection and Processing Server</body></html>\n');
}).listen(9090, () => console.log(`level=info msg="Server is ready to receive requests." config=${configFile}`));
process.on('SIGTERM', () => process.exit(0));
