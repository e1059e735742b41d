// SPDX-License-Identifier: Apache-2.0
// Stand-in for mongod: TCP on 27017, HTTP on 28017 with --rest/--httpinterface, process named mongod.
'use strict';
const net = require('net');
const http = require('http');
process.title = 'mongod'; // so `pkill mongod` and `ps aux` find it
// The real mongod uses tens of MiB; hold 24 MiB so a 10Mi memory limit OOM-kills it as in the book.
const ballast = Buffer.alloc(24 * 1024 * 1024, 1);
const args = process.argv.slice(2);
const ts = () => new Date().toISOString();
console.log(`${ts()} I CONTROL  [initandlisten] MongoDB starting : pid=${process.pid} port=27017 (berth stand-in) args=${JSON.stringify(args)}`);
net.createServer((sock) => { sock.on('error', () => {}); sock.on('data', () => {}); }).listen(27017, () => {
  console.log(`${ts()} I NETWORK  [thread1] waiting for connections on port 27017`);
});
if (args.includes('--rest') || args.includes('--httpinterface')) {
  http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<html><body>mongod stand-in ${ballast.length > 0 ? 'ok' : ''}</body></html>\n`);
  }).listen(28017, () => console.log(`${ts()} I NETWORK  [websvr] admin web console waiting for connections on port 28017`));
}
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { console.log(`${ts()} I CONTROL  [signalProcessingThread] got signal ${s}, will terminate`); process.exit(0); });
