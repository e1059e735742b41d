// SPDX-License-Identifier: Apache-2.0
// Writes the cluster CA, the apiserver's serving certificate, the admin's client
// certificate, one client certificate per --client and the service-account signing key pair
// (sa.key for the controller-manager, sa.pub for the apiserver) into <dir> (each kept if it
// already exists), then a kubeconfig for the admin.
//   gen-pki.ts <pki-dir> <kubeconfig> <server-url> [--ip IP]... [--client FILE=CN[/ORG]]...
// --ip adds an IP SAN to the apiserver certificate (the address nodes reach it at).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClusterCa, generateServiceAccountKeyPair, issueCertificate, type CertKeyPair } from '@berth/certs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ip: { type: 'string', multiple: true }, client: { type: 'string', multiple: true } } });
const [dir = '', kubeconfig = '', server = ''] = positionals;
if (!dir || !kubeconfig || !server) {
  process.stderr.write('usage: gen-pki.ts <pki-dir> <kubeconfig> <server-url> [--ip IP]... [--client FILE=CN[/ORG]]...\n');
  process.exit(2);
}
mkdirSync(dir, { recursive: true, mode: 0o700 });

function load(name: string): CertKeyPair | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  return existsSync(cert) && existsSync(key) ? { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') } : undefined;
}
function save(name: string, pair: CertKeyPair): CertKeyPair {
  writeFileSync(join(dir, `${name}.crt`), pair.cert);
  writeFileSync(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
  return pair;
}

async function main(): Promise<void> {
  const ca = load('ca') ?? save('ca', await createClusterCa('berth-ca'));
  if (!load('apiserver')) {
    save('apiserver', await issueCertificate(ca, {
      commonName: 'berth-apiserver',
      usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ipAddresses: ['127.0.0.1', '10.96.0.1', ...(values.ip ?? [])],
    }));
  }
  if (!existsSync(join(dir, 'sa.key')) || !existsSync(join(dir, 'sa.pub'))) {
    const sa = generateServiceAccountKeyPair();
    writeFileSync(join(dir, 'sa.key'), sa.privateKey, { mode: 0o600 });
    writeFileSync(join(dir, 'sa.pub'), sa.publicKey);
  }
  const admin = load('admin') ?? save('admin', await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' }));
  for (const spec of values.client ?? []) {
    const m = /^([\w.-]+)=([^/]+)(?:\/(.+))?$/.exec(spec);
    if (!m) throw new Error(`--client: invalid value "${spec}": want FILE=CN[/ORG]`);
    const [, file = '', cn = '', org] = m;
    if (!load(file)) save(file, await issueCertificate(ca, { commonName: cn, ...(org ? { organizations: [org] } : {}), usage: 'client' }));
  }

const b64 = (s: string): string => Buffer.from(s).toString('base64');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- name: berth
  cluster:
    server: ${server}
    certificate-authority-data: ${b64(ca.cert)}
users:
- name: admin
  user:
    client-certificate-data: ${b64(admin.cert)}
    client-key-data: ${b64(admin.key)}
contexts:
- name: berth
  context:
    cluster: berth
    user: admin
    namespace: default
current-context: berth
preferences: {}
`,
  { mode: 0o600 },
);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: could not write the cluster certificates: ${(e as Error).message}\n`);
  process.exit(1);
});
