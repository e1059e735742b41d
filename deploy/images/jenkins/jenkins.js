// SPDX-License-Identifier: Apache-2.0
// Stand-in for vfarcic/jenkins: HTTP 8080 under --prefix from JENKINS_OPTS, jobs stored in /var/jenkins_home,
// basic auth when $SECRETS_DIR/jenkins-user and jenkins-pass exist; process named java.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
process.title = 'java';
const m = /--prefix=(\S+)/.exec(process.env.JENKINS_OPTS || '');
const prefix = (m ? m[1] : '').replace(/\/$/, '');
const home = process.env.JENKINS_HOME || '/var/jenkins_home';
const secrets = process.env.SECRETS_DIR || '/etc/secrets';
const jobsDir = path.join(home, 'jobs');
fs.mkdirSync(jobsDir, { recursive: true });
function creds() {
  try {
    return { user: fs.readFileSync(path.join(secrets, 'jenkins-user'), 'utf8').trim(), pass: fs.readFileSync(path.join(secrets, 'jenkins-pass'), 'utf8').trim() };
  } catch { return undefined; }
}
http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://x');
  if (prefix && !url.pathname.startsWith(prefix)) { res.writeHead(404); res.end('Not Found\n'); return; }
  const c = creds();
  if (c) {
    const got = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
    if (got !== `${c.user}:${c.pass}`) { res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Jenkins"' }); res.end('Unauthorized\n'); return; }
  }
  const rest = url.pathname.slice(prefix.length).replace(/^\/+/, '');
  const job = /^job\/([^/]+)/.exec(rest);
  if (job && (req.method === 'POST' || req.method === 'PUT')) {
    fs.writeFileSync(path.join(jobsDir, job[1]), new Date().toISOString());
    res.writeHead(201, { 'Content-Type': 'text/plain' }); res.end(`created job ${job[1]}\n`); return;
  }
  const jobs = fs.readdirSync(jobsDir).sort();
  res.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8', 'X-Jenkins': '2.89' });
  res.end(`<html><head><title>Dashboard [Jenkins]</title></head><body><h1>Jenkins</h1><ul>${jobs.map((j) => `<li>${j}</li>`).join('')}</ul></body></html>\n`);
}).listen(8080, () => console.log(`Jenkins is fully up and running (prefix ${prefix || '/'})`));
process.on('SIGTERM', () => process.exit(0));
