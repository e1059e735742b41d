// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { parseResolvConf } from './resolv-conf';
import { encodeResponse, udpLimit } from './wire';

const query: Packet = { type: 'query', id: 1, questions: [{ type: 'SRV', name: 'x.cluster.local', class: 'IN' }] };
const big = (answers: number, extra: number): Packet => ({
  type: 'response',
  id: 1,
  questions: query.questions,
  answers: Array.from({ length: answers }, (_, i) => ({ type: 'A', name: 'x.cluster.local', ttl: 5, data: `10.0.0.${i + 1}` })),
  additionals: Array.from({ length: extra }, (_, i) => ({ type: 'A', name: `h${i}.x.cluster.local`, ttl: 5, data: `10.0.1.${i + 1}` })),
});

describe('encodeResponse', () => {
  test('drops the additional section before truncating, then sets TC with the question only', () => {
    const a = encodeResponse(big(5, 40), query, 512);
    assert.equal(a.truncated, false);
    assert.deepEqual(dnsPacket.decode(a.bytes).additionals, []);
    const b = encodeResponse(big(60, 0), query, 512);
    assert.equal(b.truncated, true);
    const d = dnsPacket.decode(b.bytes);
    assert.equal(d.flag_tc, true);
    assert.equal(d.answers?.length, 0);
    assert.equal(d.questions?.length, 1);
    assert.equal(encodeResponse(big(60, 0), query).truncated, false);
  });

  test('EDNS: the client buffer size (at most 1232) is the limit, and an OPT goes back', () => {
    const edns: Packet = { ...query, additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as never] };
    assert.equal(udpLimit(query), 512);
    assert.equal(udpLimit(edns), 1232);
    const r = encodeResponse(big(30, 0), edns, udpLimit(edns));
    assert.equal(encodeResponse(big(30, 0), query, udpLimit(query)).truncated, true);
    assert.equal(r.truncated, false);
    assert.equal(dnsPacket.decode(r.bytes).additionals?.[0]?.type, 'OPT');
  });
});

test('parseResolvConf: nameservers with port 53, comments ignored, IPv6 bracketed', () => {
  assert.deepEqual(parseResolvConf('# x\nnameserver 10.0.0.2\nsearch a b\nnameserver fe80::1%eth0 ; c\n;nameserver 1.1.1.1\n'), ['10.0.0.2:53', '[fe80::1]:53']);
});
