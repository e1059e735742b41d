// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { Resolver } from 'node:dns/promises';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet } from 'dns-packet';
import { ClusterRecords, type EndpointInfo } from './cluster-records';
import { startDnsServer, type DnsServer, type QueryEvent } from './server';

const ZONE = 'cluster.local';

function records(): ClusterRecords {
  const r = new ClusterRecords();
  r.upsertService({ name: 'web', namespace: 'default', type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: '', protocol: 'TCP', port: 81 }] });
  r.upsertService({ name: 'db', namespace: 'shop', type: 'ClusterIP', clusterIP: 'None', ports: [{ name: 'mongo', protocol: 'TCP', port: 27017 }] });
  const mongo = [{ name: 'mongo', protocol: 'TCP', port: 27017 }];
  r.setEndpoints('shop', 'db', 'db-abcde', [
    { ip: '10.244.1.5', hostname: 'db-0', ready: true, ports: mongo },
    { ip: '10.244.2.6', hostname: 'db-1', ready: true, ports: mongo },
    { ip: '10.244.3.7', ready: true, ports: mongo },
    { ip: '10.244.3.8', hostname: 'db-3', ready: false, ports: mongo },
  ]);
  r.upsertService({ name: 'search', namespace: 'default', type: 'ExternalName', clusterIP: '', externalName: 'search.example.com', ports: [] });
  // A headless service with many pods, for answers larger than 512 bytes.
  r.upsertService({ name: 'many', namespace: 'default', type: 'ClusterIP', clusterIP: 'None', ports: [] });
  const many: EndpointInfo[] = Array.from({ length: 60 }, (_, i) => ({ ip: `10.244.9.${i + 1}`, ready: true, ports: [] }));
  r.setEndpoints('default', 'many', 'many-xyz12', many);
  return r;
}

/** One raw UDP query (no EDNS); returns the decoded response and its size. */
async function udpQuery(port: number, name: string, type: Packet['questions'] extends (infer Q)[] | undefined ? Q extends { type: infer T } ? T : never : never): Promise<{ res: DecodedPacket & { rcode?: string }; size: number }> {
  const sock = createSocket('udp4');
  try {
    const msg = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 2000);
      sock.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      sock.send(msg, port, '127.0.0.1');
    });
    return { res: dnsPacket.decode(reply) as DecodedPacket & { rcode?: string }, size: reply.length };
  } finally {
    sock.close();
  }
}

/** One raw TCP query. */
async function tcpQuery(port: number, name: string, type: 'A'): Promise<DecodedPacket & { rcode?: string }> {
  const sock = connect({ host: '127.0.0.1', port });
  try {
    sock.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ type, name, class: 'IN' }] }));
    let buf = Buffer.alloc(0);
    for await (const d of sock) {
      buf = Buffer.concat([buf, d as Buffer]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) break;
    }
    return dnsPacket.decode(buf.subarray(2)) as DecodedPacket & { rcode?: string };
  } finally {
    sock.destroy();
  }
}

describe('cluster DNS server', () => {
  let server: DnsServer;
  let upstream: DnsServer;
  let refusing: DnsServer;
  const events: QueryEvent[] = [];
  const resolver = new Resolver({ timeout: 2000, tries: 1 });

  before(async () => {
    // A stand-in for the node's resolver: another instance authoritative for example.com.
    const up = new ClusterRecords();
    upstream = await startDnsServer({ records: up, zone: 'example.com', host: '127.0.0.1', port: 0 });
    up.upsertService({ name: 'search', namespace: 'x', type: 'ClusterIP', clusterIP: '192.0.2.10', ports: [] });
    server = await startDnsServer({ records: records(), zone: ZONE, host: '127.0.0.1', port: 0, upstreams: [`127.0.0.1:${upstream.port}`], onQuery: (e) => events.push(e) });
    refusing = await startDnsServer({ records: records(), zone: ZONE, host: '127.0.0.1', port: 0 });
    resolver.setServers([`127.0.0.1:${server.port}`]);
  });
  after(async () => {
    await Promise.all([server.close(), upstream.close(), refusing.close()]);
  });

  test('A of a ClusterIP service, with or without the trailing dot', async () => {
    assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local'), ['10.96.0.20']);
    assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local.'), ['10.96.0.20']);
    assert.deepEqual(await resolver.resolve4('WEB.Default.SVC.cluster.local'), ['10.96.0.20']);
    const ttl = await resolver.resolve4('web.default.svc.cluster.local', { ttl: true });
    assert.deepEqual(ttl, [{ address: '10.96.0.20', ttl: 5 }]);
  });

  test('the wrong namespace and unknown names are NXDOMAIN, with the SOA in authority', async () => {
    await assert.rejects(resolver.resolve4('web.shop.svc.cluster.local'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('nope.default.svc.cluster.local'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('web.default.cluster.local'), { code: 'ENOTFOUND' });
    const { res } = await udpQuery(server.port, 'web.shop.svc.cluster.local', 'A');
    assert.equal(res.rcode, 'NXDOMAIN');
    assert.equal(res.flag_aa, true);
    assert.equal(res.authorities?.[0]?.type, 'SOA');
    assert.equal(res.authorities?.[0]?.name, 'cluster.local');
  });

  test('AAAA of an existing name is an empty NOERROR', async () => {
    const { res } = await udpQuery(server.port, 'web.default.svc.cluster.local', 'AAAA');
    assert.equal(res.rcode, 'NOERROR');
    assert.deepEqual(res.answers, []);
    assert.equal(res.authorities?.[0]?.type, 'SOA');
    await assert.rejects(resolver.resolve6('web.default.svc.cluster.local'), { code: 'ENODATA' });
  });

  test('headless: every ready endpoint, per-pod hostnames and dashed IPs', async () => {
    assert.deepEqual((await resolver.resolve4('db.shop.svc.cluster.local')).sort(), ['10.244.1.5', '10.244.2.6', '10.244.3.7']);
    assert.deepEqual(await resolver.resolve4('db-1.db.shop.svc.cluster.local'), ['10.244.2.6']);
    assert.deepEqual(await resolver.resolve4('10-244-3-7.db.shop.svc.cluster.local'), ['10.244.3.7']);
    // Not ready: not published.
    await assert.rejects(resolver.resolve4('db-3.db.shop.svc.cluster.local'), { code: 'ENOTFOUND' });
  });

  test('SRV for a named port: ClusterIP service and headless endpoints', async () => {
    assert.deepEqual(await resolver.resolveSrv('_http._tcp.web.default.svc.cluster.local'), [{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
    const srv = await resolver.resolveSrv('_mongo._tcp.db.shop.svc.cluster.local');
    assert.deepEqual(
      srv.map((s) => `${s.name}:${s.port}`).sort(),
      ['10-244-3-7.db.shop.svc.cluster.local:27017', 'db-0.db.shop.svc.cluster.local:27017', 'db-1.db.shop.svc.cluster.local:27017'],
    );
    const { res } = await udpQuery(server.port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(res.additionals?.map((a) => [a.name, a.type === 'A' ? a.data : '']), [['web.default.svc.cluster.local', '10.96.0.20']]);
    await assert.rejects(resolver.resolveSrv('_http._udp.web.default.svc.cluster.local'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolveSrv('_nope._tcp.web.default.svc.cluster.local'), { code: 'ENOTFOUND' });
  });

  test('pod records: <a-b-c-d>.<ns>.pod.cluster.local', async () => {
    assert.deepEqual(await resolver.resolve4('10-244-1-5.shop.pod.cluster.local'), ['10.244.1.5']);
    await assert.rejects(resolver.resolve4('10-244-1-999.shop.pod.cluster.local'), { code: 'ENOTFOUND' });
  });

  test('PTR for ClusterIPs and headless pod IPs', async () => {
    assert.deepEqual(await resolver.reverse('10.96.0.20'), ['web.default.svc.cluster.local']);
    assert.deepEqual(await resolver.reverse('10.244.1.5'), ['db-0.db.shop.svc.cluster.local']);
    assert.deepEqual(await resolver.reverse('10.244.3.7'), ['10-244-3-7.db.shop.svc.cluster.local']);
  });

  test('ExternalName is a CNAME', async () => {
    assert.deepEqual(await resolver.resolveCname('search.default.svc.cluster.local'), ['search.example.com']);
    const { res } = await udpQuery(server.port, 'search.default.svc.cluster.local', 'A');
    assert.deepEqual(res.answers?.map((a) => [a.type, a.type === 'CNAME' ? a.data : '']), [['CNAME', 'search.example.com']]);
  });

  test('names outside the cluster domain go to the upstream, or are REFUSED without one', async () => {
    assert.deepEqual(await resolver.resolve4('search.x.svc.example.com'), ['192.0.2.10']);
    await assert.rejects(resolver.resolve4('nothing.x.svc.example.com'), { code: 'ENOTFOUND' });
    const { res } = await udpQuery(refusing.port, 'search.x.svc.example.com', 'A');
    assert.equal(res.rcode, 'REFUSED');
    assert.equal(res.flag_ra, false);
    // Unknown reverse names are outside the zone too.
    const ptr = await udpQuery(refusing.port, '1.2.0.192.in-addr.arpa', 'PTR');
    assert.equal(ptr.res.rcode, 'REFUSED');
    assert.ok(events.some((e) => e.forwarded && e.rcode === 'NOERROR'));
  });

  test('a UDP answer over 512 bytes is truncated (TC) and the full answer comes over TCP', async () => {
    const { res, size } = await udpQuery(server.port, 'many.default.svc.cluster.local', 'A');
    assert.equal(res.flag_tc, true);
    assert.deepEqual(res.answers, []);
    assert.ok(size <= 512);
    const full = await tcpQuery(server.port, 'many.default.svc.cluster.local', 'A');
    assert.equal(full.flag_tc, false);
    assert.equal(full.answers?.length, 60);
    // node:dns retries over TCP on TC by itself.
    assert.equal((await resolver.resolve4('many.default.svc.cluster.local')).length, 60);
    assert.ok(events.some((e) => e.truncated && e.transport === 'udp'));
  });

  test('empty non-terminals and the zone apex are NOERROR; the SOA is served', async () => {
    assert.equal((await udpQuery(server.port, 'default.svc.cluster.local', 'A')).res.rcode, 'NOERROR');
    assert.equal((await udpQuery(server.port, 'svc.cluster.local', 'A')).res.rcode, 'NOERROR');
    assert.equal((await udpQuery(server.port, 'nons.svc.cluster.local', 'A')).res.rcode, 'NXDOMAIN');
    const soa = await resolver.resolveSoa('cluster.local');
    assert.equal(soa.nsname, 'ns.dns.cluster.local');
    assert.equal(soa.minttl, 5);
  });

  test('records follow changes', async () => {
    const r = records();
    const s = await startDnsServer({ records: r, host: '127.0.0.1', port: 0 });
    try {
      const res = new Resolver({ timeout: 2000, tries: 1 });
      res.setServers([`127.0.0.1:${s.port}`]);
      r.deleteService('default', 'web');
      await assert.rejects(res.resolve4('web.default.svc.cluster.local'), { code: 'ENOTFOUND' });
      r.setEndpoints('shop', 'db', 'db-abcde', [{ ip: '10.244.7.7', ready: true, ports: [] }]);
      assert.deepEqual(await res.resolve4('db.shop.svc.cluster.local'), ['10.244.7.7']);
      assert.deepEqual(await res.reverse('10.244.7.7'), ['10-244-7-7.db.shop.svc.cluster.local']);
    } finally {
      await s.close();
    }
  });
});
