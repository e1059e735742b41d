// SPDX-License-Identifier: Apache-2.0
import * as dnsPacket from 'dns-packet';
import type { Answer, Packet, Question, SrvAnswer, StringAnswer } from 'dns-packet';
import { endpointLabel, isHeadlessService, type ClusterRecords, type EndpointInfo, type ServiceInfo } from './cluster-records';

/** RCODEs this server sends. */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/**
 * Seconds records live in caches. CoreDNS' kubernetes plugin defaults to 5 s too (the
 * Corefile kubeadm writes sets `ttl 30`); 5 s keeps a pod's view of endpoints (headless
 * services, scaled deployments) at most 5 s behind, for queries that are cheap to answer.
 */
export const DEFAULT_TTL = 5;

/** How the answerer is configured. */
export interface AnswerOptions {
  /** The cluster domain, without dots at the ends (default cluster.local). */
  zone: string;
  ttl: number;
  /** Whether names outside the zone can be forwarded (sets RA; otherwise they are REFUSED). */
  canForward: boolean;
}

/** What to do with a query: send this response, or forward the query upstream. */
export type Resolution = { kind: 'response'; response: Packet; rcode: number } | { kind: 'forward' };

const FLAG_AA = dnsPacket.AUTHORITATIVE_ANSWER;
const FLAG_RD = dnsPacket.RECURSION_DESIRED;
const FLAG_RA = dnsPacket.RECURSION_AVAILABLE;
const FLAG_CD = dnsPacket.CHECKING_DISABLED;

/**
 * Answers one decoded query from the cluster's records, as CoreDNS' kubernetes plugin:
 *
 * - `<svc>.<ns>.svc.<zone>`: A → the ClusterIP, or for a headless service every ready
 *   endpoint's IP; ExternalName → CNAME (any type); SRV → one record per named port
 *   (headless: per ready endpoint); AAAA and other types → NOERROR without answers.
 * - `<hostname>.<svc>.<ns>.svc.<zone>` → a headless service's endpoint by pod hostname
 *   (or by its IP with dashes, e.g. 10-244-0-7).
 * - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` → SRV for the named port, with the targets'
 *   A records in the additional section.
 * - `<a-b-c-d>.<ns>.pod.<zone>` → A a.b.c.d (CoreDNS' `pods insecure`: not checked against pods).
 * - `<d.c.b.a>.in-addr.arpa` PTR → the service (ClusterIP) or the headless endpoint's name;
 *   reverse names the cluster does not know are treated like names outside the zone.
 * - Unknown names in the zone → NXDOMAIN; existing names without records of the type
 *   (and empty non-terminals such as `<ns>.svc.<zone>`) → NOERROR; both carry the zone's SOA
 *   in the authority section so resolvers can cache the negative answer.
 * - Names outside the zone → forward (or REFUSED when there is nowhere to forward to).
 *
 * Pure: no I/O; the caller encodes, truncates and sends.
 */
export function resolveQuery(query: Packet, records: ClusterRecords, opts: AnswerOptions): Resolution {
  const q = query.questions?.[0];
  const base = (rcode: number, extraFlags = 0): Packet => ({
    type: 'response',
    id: query.id ?? 0,
    flags: (opcodeOf(query) << 11) | ((query.flags ?? 0) & (FLAG_RD | FLAG_CD)) | (opts.canForward ? FLAG_RA : 0) | extraFlags | rcode,
    questions: q ? [q] : [],
    answers: [],
    authorities: [],
    additionals: [],
  });
  const respond = (response: Packet, rcode: number): Resolution => ({ kind: 'response', response, rcode });
  if (opcodeOf(query) !== 0) return respond(base(RCODE.NOTIMP), RCODE.NOTIMP);
  if (!q || (query.questions?.length ?? 0) !== 1) return respond(base(RCODE.FORMERR), RCODE.FORMERR);

  const name = q.name.toLowerCase().replace(/\.$/, '');
  const zone = opts.zone.toLowerCase();
  const inZone = name === zone || name.endsWith(`.${zone}`);
  if (!inZone) {
    if (q.type === 'PTR' && name.endsWith('.in-addr.arpa')) {
      const ip = reverseIpv4(name);
      const names = ip ? records.reverse(ip, zone) : [];
      if (names.length > 0) {
        const res = base(RCODE.NOERROR, FLAG_AA);
        res.answers = names.map((target) => ({ type: 'PTR', name: q.name, ttl: opts.ttl, class: 'IN', data: target }) satisfies StringAnswer);
        return respond(res, RCODE.NOERROR);
      }
    }
    if (opts.canForward) return { kind: 'forward' };
    return respond(base(RCODE.REFUSED), RCODE.REFUSED);
  }
  if (q.class && q.class !== 'IN' && q.class !== 'ANY') return respond(base(RCODE.REFUSED), RCODE.REFUSED);

  const labels = name === zone ? [] : name.slice(0, -(zone.length + 1)).split('.');
  const found = lookup(labels, q, records, opts);
  const soa = soaRecord(opts);
  if (found === 'nxdomain') {
    const res = base(RCODE.NXDOMAIN, FLAG_AA);
    res.authorities = [soa];
    return respond(res, RCODE.NXDOMAIN);
  }
  const res = base(RCODE.NOERROR, FLAG_AA);
  res.answers = found.answers.map((a) => ({ ...a, name: a.name === '' ? q.name : a.name }) as Answer);
  res.additionals = found.additionals;
  if (res.answers.length === 0) res.authorities = [soa];
  return respond(res, RCODE.NOERROR);
}

interface Found {
  answers: Answer[];
  additionals: Answer[];
}

const NODATA: Found = { answers: [], additionals: [] };

/** Records for the labels left of the zone (`labels` is e.g. ['web', 'default', 'svc']); '' as a name means the question's name. */
function lookup(labels: string[], q: Question, records: ClusterRecords, opts: AnswerOptions): Found | 'nxdomain' {
  const zone = opts.zone.toLowerCase();
  const ttl = opts.ttl;
  const n = labels.length;
  if (n === 0) {
    if (q.type === 'SOA' || isAny(q)) return { answers: [{ ...soaRecord(opts), name: '' }], additionals: [] };
    if (q.type === 'NS') return { answers: [{ type: 'NS', name: '', ttl, class: 'IN', data: `ns.dns.${zone}` }], additionals: [] };
    return NODATA;
  }
  const kind = labels[n - 1];
  if (kind === 'pod') {
    if (n === 1) return NODATA;
    if (n !== 3) return 'nxdomain';
    const ip = dashedIpv4(labels[0] ?? '');
    if (!ip) return 'nxdomain';
    return wants(q, 'A') ? { answers: [aRecord('', ip, ttl)], additionals: [] } : NODATA;
  }
  if (kind !== 'svc') return 'nxdomain';
  if (n === 1) return NODATA;
  const ns = labels[n - 2] ?? '';
  if (n === 2) return records.hasNamespace(ns) ? NODATA : 'nxdomain';
  const svc = records.service(ns, labels[n - 3] ?? '');
  if (!svc) return 'nxdomain';
  const svcName = `${svc.name}.${svc.namespace}.svc.${zone}`.toLowerCase();

  if (n === 3) {
    if (svc.type === 'ExternalName') {
      const target = (svc.externalName ?? '').replace(/\.$/, '');
      if (!target) return NODATA;
      return { answers: [{ type: 'CNAME', name: '', ttl, class: 'IN', data: target }], additionals: [] };
    }
    if (wants(q, 'A')) {
      if (!isHeadlessService(svc)) return { answers: [aRecord('', svc.clusterIP, ttl)], additionals: [] };
      return { answers: readyEndpoints(records, svc).map((ep) => aRecord('', ep.ip, ttl)), additionals: [] };
    }
    if (q.type === 'SRV') return srvRecords(records, svc, svcName, undefined, ttl);
    return NODATA;
  }
  if (n === 4) {
    // <hostname>.<svc>.<ns>.svc: a headless service's endpoint.
    if (!isHeadlessService(svc)) return 'nxdomain';
    const label = labels[0] ?? '';
    const eps = readyEndpoints(records, svc).filter((ep) => endpointLabel(ep) === label);
    if (eps.length === 0) return 'nxdomain';
    return wants(q, 'A') ? { answers: eps.map((ep) => aRecord('', ep.ip, ttl)), additionals: [] } : NODATA;
  }
  if (n === 5 && labels[0]?.startsWith('_') && labels[1]?.startsWith('_')) {
    // _<port>._<proto>.<svc>.<ns>.svc
    const portName = labels[0].slice(1);
    const proto = labels[1].slice(1);
    const port = svc.ports.find((p) => p.name.toLowerCase() === portName && p.protocol.toLowerCase() === proto);
    if (!port || svc.type === 'ExternalName') return 'nxdomain';
    return q.type === 'SRV' || isAny(q) ? srvRecords(records, svc, svcName, port.name, ttl) : NODATA;
  }
  return 'nxdomain';
}

/**
 * SRV records of a service: for each named port (or only `portName`), the ClusterIP
 * service's name, or for a headless service every ready endpoint's name with the port the
 * endpoint serves; weights split 100 evenly, as CoreDNS does. Targets' A records go to the
 * additional section.
 */
function srvRecords(records: ClusterRecords, svc: ServiceInfo, svcName: string, portName: string | undefined, ttl: number): Found {
  const ports = svc.ports.filter((p) => p.name !== '' && (portName === undefined || p.name === portName));
  const targets: Array<{ target: string; port: number; ip: string }> = [];
  if (!isHeadlessService(svc)) {
    for (const p of ports) targets.push({ target: svcName, port: p.port, ip: svc.clusterIP });
  } else {
    for (const ep of readyEndpoints(records, svc)) {
      for (const p of ports) {
        const served = ep.ports.find((e) => e.name === p.name && e.protocol === p.protocol);
        if (served) targets.push({ target: `${endpointLabel(ep)}.${svcName}`, port: served.port, ip: ep.ip });
      }
    }
  }
  const weight = targets.length > 0 ? Math.floor(100 / targets.length) : 0;
  const answers: SrvAnswer[] = targets.map((t) => ({ type: 'SRV', name: '', ttl, class: 'IN', data: { priority: 0, weight, port: t.port, target: t.target } }));
  const seen = new Set<string>();
  const additionals: Answer[] = [];
  for (const t of targets) {
    if (seen.has(t.target)) continue;
    seen.add(t.target);
    additionals.push(aRecord(t.target, t.ip, ttl));
  }
  return { answers, additionals };
}

function readyEndpoints(records: ClusterRecords, svc: ServiceInfo): EndpointInfo[] {
  return records
    .endpointsOf(svc.namespace, svc.name)
    .filter((ep) => ep.ready)
    .sort((a, b) => ipNumber(a.ip) - ipNumber(b.ip));
}

/** The zone's SOA, whose minimum (the negative-caching TTL) is the record TTL. */
export function soaRecord(opts: Pick<AnswerOptions, 'zone' | 'ttl'>): Answer {
  const zone = opts.zone.toLowerCase();
  return {
    type: 'SOA',
    name: zone,
    ttl: opts.ttl,
    class: 'IN',
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      // Changes as records change would be nicer; CoreDNS uses the start time too.
      serial: SERIAL,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: opts.ttl,
    },
  };
}

const SERIAL = Math.floor(Date.now() / 1000) >>> 0;

function wants(q: Question, type: 'A'): boolean {
  return q.type === type || isAny(q);
}

/** Type 255 (ANY): dns-packet decodes it as 'ANY', which its typings do not list. */
function isAny(q: Question): boolean {
  return (q.type as string) === 'ANY';
}

function aRecord(name: string, ip: string, ttl: number): StringAnswer {
  return { type: 'A', name, ttl, class: 'IN', data: ip };
}

function opcodeOf(p: Packet): number {
  return ((p.flags ?? 0) >> 11) & 0xf;
}

/** "10-244-0-7" → "10.244.0.7", or undefined when it is not an IPv4 address. */
export function dashedIpv4(label: string): string | undefined {
  const parts = label.split('-');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number).join('.');
}

/** "7.0.244.10.in-addr.arpa" → "10.244.0.7", or undefined. */
export function reverseIpv4(name: string): string | undefined {
  const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reverse().map(Number).join('.');
}

function ipNumber(ip: string): number {
  const p = ip.split('.').map(Number);
  return (((p[0] ?? 0) * 256 + (p[1] ?? 0)) * 256 + (p[2] ?? 0)) * 256 + (p[3] ?? 0);
}
