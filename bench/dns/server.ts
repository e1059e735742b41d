// SPDX-License-Identifier: Apache-2.0
// The DNS server under benchmark, run as its own process (bench/dns/main.ts pins it to one
// core): synthetic records, 127.0.0.1 on a free port, no upstream. Prints the port.
import { ClusterRecords, startDnsServer } from '@berth/dns-server';
import { syntheticRecords } from './records';

async function main(): Promise<void> {
  const records = new ClusterRecords();
  syntheticRecords(records);
  const server = await startDnsServer({ records, host: '127.0.0.1', port: 0 });
  process.stdout.write(`${server.port}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
