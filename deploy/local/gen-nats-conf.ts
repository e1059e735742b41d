// SPDX-License-Identifier: Apache-2.0
// Writes <dir>/nats.conf for the cluster's nats-server: JetStream, the client listener, the
// monitoring listener, and one user per node allowed only its own subjects (node-tunnel's
// nodePermissions) plus the control-plane user. Passwords are kept in <dir>/<user>.pass
// (made once, reused by every later up).
//   gen-nats-conf.ts <dir> <listen host:port> <monitor host:port> <node-name>...
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsAuthorizationConfig } from '@berth/node-tunnel';

const [dir = '', listen = '', monitor = '', ...nodes] = process.argv.slice(2);
if (!dir || !/^[\d.]+:\d+$/.test(listen) || !/^[\d.]+:\d+$/.test(monitor)) {
  process.stderr.write('usage: gen-nats-conf.ts <dir> <listen host:port> <monitor host:port> <node-name>...\n');
  process.exit(2);
}
mkdirSync(dir, { recursive: true, mode: 0o700 });

function password(user: string): string {
  const file = join(dir, `${user}.pass`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const pass = randomBytes(18).toString('base64url');
  writeFileSync(file, pass, { mode: 0o600 });
  return pass;
}

const auth = natsAuthorizationConfig(
  nodes.map((name) => ({ name, password: password(`node-${name}`) })),
  { user: 'control-plane', password: password('control-plane') },
);
writeFileSync(
  join(dir, 'nats.conf'),
  `listen: "${listen}"\nhttp: "${monitor}"\njetstream { store_dir: "/data" }\n${auth}`,
  { mode: 0o600 },
);
