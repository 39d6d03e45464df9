/**
 * ExaBGP's QA vectors (test/fixtures/exabgp, BSD-3-Clause): every qa/decoding case against its
 * expected JSON on the fields we decode (other families must come back "unsupported" with their
 * bytes), and every raw message of the qa/encoding .ci files decoded, compared with its JSON, and
 * re-encoded.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  ipv4ToString,
  ipv6ToString,
  type CodecContext,
  type DecodeResult,
  type Nlri,
  type UpdateMessage,
} from '../../src/wire/index.js';
import { FIXTURES, ctxWith, hex, message } from './helpers.js';

const DIR = join(FIXTURES, 'exabgp');
const AFI: Record<string, number> = { ipv4: 1, ipv6: 2, l2vpn: 25, 'bgp-ls': 16388 };
const SAFI: Record<string, number> = { unicast: 1, flow: 133, evpn: 70, 'bgp-ls': 71, 'sr-policy': 73, 'mpls-vpn': 128 };
const ORIGIN: Record<string, number> = { igp: 0, egp: 1, incomplete: 2 };
const SEGMENT: Record<string, number> = { 'as-set': 1, 'as-sequence': 2, 'as-confed-sequence': 3, 'as-confed-set': 4 };
/** Attributes ExaBGP names that we keep raw. */
const RAW_ATTRIBUTE: Record<string, number> = { 'tunnel-encap': 23, 'bgp-ls': 29, 'bgp-prefix-sid': 40 };

function familyOf(name: string): { afi: number; safi: number } {
  const [afi, safi] = name.split(' ');
  expect(AFI[afi], `AFI ${afi}`).toBeDefined();
  expect(SAFI[safi], `SAFI ${safi}`).toBeDefined();
  return { afi: AFI[afi], safi: SAFI[safi] };
}

/** The next hop an unsupported family carries, as ExaBGP prints it (after an RD if any). */
function rawNextHop(nh: Buffer): string {
  if (nh.length === 0) return 'no-nexthop';
  if (nh.length === 4 || nh.length === 12) return ipv4ToString(nh, nh.length - 4);
  if (nh.length === 16 || nh.length === 24) return ipv6ToString(nh, nh.length - 16);
  return nh.toString('hex');
}

function pathInfo(n: Nlri): string | undefined {
  if (n.pathId === undefined) return undefined;
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n.pathId);
  return ipv4ToString(b, 0);
}

function expectNlri(ours: Nlri[], theirs: Array<{ nlri: string; 'path-information'?: string }>): void {
  expect(ours.map((n) => ({ nlri: n.prefix, pi: pathInfo(n) }))).toEqual(
    theirs.map((t) => ({ nlri: t.nlri, pi: t['path-information'] })),
  );
}

/** Compares our decode with ExaBGP's JSON on every field of it; an unknown field fails. */
function compareUpdate(msg: UpdateMessage, exa: Record<string, any>): void {
  const a = msg.attributes;
  const attr: Record<string, any> = exa.attribute ?? {};
  for (const [key, v] of Object.entries(attr)) {
    switch (key) {
      case 'origin':
        expect(a.origin).toBe(ORIGIN[v]);
        break;
      case 'as-path':
        expect(a.asPath).toEqual(Object.values(v as object).map((s: any) => ({ type: SEGMENT[s.element], asns: s.value })));
        break;
      case 'med':
        expect(a.med).toBe(v);
        break;
      case 'local-preference':
        expect(a.localPref).toBe(v);
        break;
      case 'atomic-aggregate':
        expect(a.atomicAggregate).toBe(v);
        break;
      case 'aggregator':
        expect(`${a.aggregator?.asn}:${a.aggregator?.address}`).toBe(v);
        break;
      case 'community':
        expect(a.communities?.map((c) => [c >>> 16, c & 0xffff])).toEqual(v);
        break;
      case 'large-community':
        expect(a.largeCommunities).toEqual(v);
        break;
      case 'extended-community':
        // ExaBGP prints the 64-bit value as a JSON number (rounded like Number(BigInt)).
        expect(a.extendedCommunities?.map((b) => Number(b.readBigUInt64BE(0)))).toEqual(v.map((x: any) => x.value));
        break;
      case 'originator-id':
        expect(a.originatorId).toBe(v);
        break;
      case 'cluster-list':
        expect(a.clusterList).toEqual(v);
        break;
      default: {
        const generic = /^attribute-0x([0-9a-f]{2})-0x([0-9a-f]{2})$/i.exec(key);
        const code = generic ? parseInt(generic[1], 16) : RAW_ATTRIBUTE[key];
        expect(code, `attribute ${key} is neither modelled nor known raw`).toBeDefined();
        const raw = a.unknown?.find((u) => u.code === code);
        expect(raw, `raw attribute ${code}`).toBeDefined();
        if (generic) {
          expect(raw!.flags).toBe(parseInt(generic[2], 16));
          expect('0x' + raw!.value.toString('hex').toUpperCase()).toBe(v);
        }
      }
    }
  }
  if (!('as-path' in attr) && a.asPath) expect(a.asPath).toEqual([]);
  const mpOk = new Set<string>();
  for (const [fam, byNextHop] of Object.entries<Record<string, any[]>>(exa.announce ?? {})) {
    const { afi, safi } = familyOf(fam);
    for (const [nh, list] of Object.entries(byNextHop)) {
      if (afi === 1 && safi === 1 && msg.nlri.length > 0) {
        expect(a.nextHop).toBe(nh);
        expectNlri(msg.nlri, list);
        continue;
      }
      const mp = a.mpReach!;
      expect(mp, `MP_REACH for ${fam}`).toBeDefined();
      expect({ afi: mp.afi, safi: mp.safi }).toEqual({ afi, safi });
      if (safi === 1) {
        expect(mp.nextHops[0]).toBe(nh);
        expectNlri(mp.nlri, list);
      } else {
        // Not a family we route: reported unsupported, bytes kept, nothing invented.
        expect(mp.unsupported, `${fam} unsupported`).toBeDefined();
        expect(mp.nlri).toEqual([]);
        expect(mp.unsupported!.nlri.length).toBeGreaterThan(0);
        expect(rawNextHop(mp.unsupported!.nextHop)).toBe(nh);
      }
      mpOk.add(fam);
    }
  }
  for (const [fam, list] of Object.entries<any[]>(exa.withdraw ?? {})) {
    const { afi, safi } = familyOf(fam);
    if (afi === 1 && safi === 1 && msg.withdrawn.length > 0) {
      expectNlri(msg.withdrawn, list);
      continue;
    }
    const mp = a.mpUnreach!;
    expect({ afi: mp.afi, safi: mp.safi }).toEqual({ afi, safi });
    if (safi === 1) expectNlri(mp.withdrawn, list);
    else {
      expect(mp.unsupported!.nlri.length).toBeGreaterThan(0);
      expect(mp.withdrawn).toEqual([]);
    }
  }
  if (!exa.announce) expect(msg.nlri).toEqual([]);
}

// ---------------------------------------------------------------- qa/decoding

const decodingFiles = readdirSync(join(DIR, 'decoding')).sort();

/** Context of the decoding files: iBGP, 4-octet AS, no ADD-PATH. */
const DECODING_CTX = ctxWith({ session: 'ibgp' });

describe('ExaBGP qa/decoding', () => {
  it('has all 22 cases', () => {
    expect(decodingFiles.length).toBe(22);
  });

  for (const name of decodingFiles) {
    it(name, () => {
      const [head, payload, json] = readFileSync(join(DIR, 'decoding', name), 'utf8').split('\n');
      const kind = head.trim().split(/\s+/)[0];
      const expected = JSON.parse(json);
      let bytes = hex(payload);
      if (kind === 'nlri') {
        // A bare NLRI of a family we do not route: wrap it in MP_REACH and check it is kept whole.
        const [, afiName, safiName] = head.trim().split(/\s+/);
        const { afi, safi } = familyOf(`${afiName} ${safiName}`);
        const value = Buffer.concat([Buffer.from([afi >> 8, afi & 0xff, safi, 4, 10, 0, 0, 1, 0]), bytes]);
        const attr = Buffer.concat([
          hex('400101 00 400200'), // ORIGIN and AS_PATH, required with reachability (RFC 7606 §3 d)
          Buffer.from([0x90, 14, value.length >> 8, value.length & 0xff]),
          value,
        ]);
        const body = Buffer.concat([Buffer.from([0, 0, attr.length >> 8, attr.length & 0xff]), attr]);
        const res = decodeMessage(message(2, body), DECODING_CTX);
        expect(res.errors).toEqual([]);
        const mp = (res.message as UpdateMessage).attributes.mpReach!;
        expect(mp.unsupported!.nlri.equals(bytes)).toBe(true);
        expect(expected['ls-nlri-type']).toBeDefined();
        return;
      }
      const whole = bytes.length >= 19 && bytes.subarray(0, 16).every((x) => x === 0xff);
      if (!whole) bytes = message(kind === 'open' ? 1 : 2, bytes);
      const res = decodeMessage(bytes, DECODING_CTX);
      expect(res.length).toBe(bytes.length);
      expect(res.errors).toEqual([]);
      const msg = res.message!;
      if (kind === 'open') {
        expect(msg.type).toBe('OPEN');
        if (msg.type !== 'OPEN') return;
        const o = expected.neighbor.open;
        expect({ version: msg.version, myAs: msg.myAs, holdTime: msg.holdTime, bgpId: msg.bgpId }).toEqual({
          version: o.version,
          myAs: o.asn,
          holdTime: o.hold_time,
          bgpId: o.router_id,
        });
        expect(msg.capabilities.map((c) => c.code)).toEqual(Object.keys(o.capabilities).map(Number));
        const asn4 = msg.capabilities.find((c) => c.code === 65);
        expect(asn4).toMatchObject({ name: 'four-octet-as', asn: o.capabilities['65'].asn4 });
        expect(msg.capabilities.find((c) => c.code === 1)).toMatchObject({ afi: 1, safi: 1 });
        // Software Version (75) is not modelled: raw, and its text is what ExaBGP shows.
        const sv = msg.capabilities.find((c) => c.code === 75);
        expect(sv?.name).toBe('unknown');
        if (sv?.name === 'unknown') expect(sv.data.subarray(1).toString()).toBe(o.capabilities['75'].software);
        return;
      }
      expect(msg.type).toBe('UPDATE');
      compareUpdate(msg as UpdateMessage, expected.neighbor.message.update);
    });
  }
});

// ---------------------------------------------------------------- qa/encoding

interface CiMessage {
  line: number;
  raw: Buffer;
  json?: any;
}

function readCi(file: string): { options: string[]; messages: CiMessage[] } {
  const options: string[] = [];
  const messages: CiMessage[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.startsWith('option:')) options.push(text.slice(7));
      const m = /^[A-Za-z0-9]+:(raw|json):(.*)$/.exec(text);
      if (!m) return;
      if (m[1] === 'raw') messages.push({ line: i + 1, raw: hex(m[2]) });
      else messages[messages.length - 1].json = JSON.parse(m[2]);
    });
  return { options, messages };
}

/** What each .ci's neighbour config negotiates (read from encoding/etc-exabgp/*.conf). */
function contextFor(file: string, options: string[]): CodecContext {
  const conf = readFileSync(join(DIR, 'encoding', 'etc-exabgp', options.find((o) => o.startsWith('file:'))!.slice(5)), 'utf8');
  const ctx = ctxWith({ as4: !/asn4\s+disable/.test(conf) });
  if (/add-path\s*\{[^}]*ipv4 unicast/.test(conf)) ctx.addPath.ipv4 = { receive: true, send: true };
  ctx.session = options.some((o) => o.startsWith('asn:')) ? 'ebgp' : 'ibgp';
  void file;
  return ctx;
}

/** The attributes of an UPDATE as a sorted list of TLVs with the Extended Length bit normalised. */
function attributeTlvs(buf: Buffer): string[] {
  const wl = buf.readUInt16BE(19);
  const al = buf.readUInt16BE(21 + wl);
  const out: string[] = [];
  for (let p = 23 + wl; p < 23 + wl + al; ) {
    const flags = buf[p];
    const ext = flags & 0x10;
    const len = ext ? buf.readUInt16BE(p + 2) : buf[p + 2];
    const v = buf.subarray(p + (ext ? 4 : 3), p + (ext ? 4 : 3) + len);
    out.push(`${(flags & 0xef).toString(16)}:${buf[p + 1]}:${v.toString('hex')}`);
    p += (ext ? 4 : 3) + len;
  }
  return out.sort();
}

/** Messages whose decode carries an RFC 7606 finding, and why that finding is right. */
const EXPECTED_FINDINGS: Record<string, Array<[number, number, string]>> = {
  // NEXT_HOP 255.255.255.255 is not a host address: RFC 4271 §6.3, RFC 7606 §7.3.
  'conf-attributes.ci:10': [[3, 8, 'treat-as-withdraw']],
  // Unrecognised attribute 0x99 sent with the Optional bit clear (flags 0x60, 0x70): RFC 4271 §6.3.
  'conf-generic-attribute.ci:6': [[3, 2, 'treat-as-withdraw']],
  'conf-generic-attribute.ci:9': [[3, 2, 'treat-as-withdraw']],
};

const ciFiles = readdirSync(join(DIR, 'encoding')).filter((f) => f.endsWith('.ci')).sort();

describe('ExaBGP qa/encoding raw messages', () => {
  const stats = { messages: 0, identical: 0 };
  for (const file of ciFiles) {
    it(file, () => {
      const { options, messages } = readCi(join(DIR, 'encoding', file));
      const ctx = contextFor(file, options);
      expect(messages.length).toBeGreaterThan(0);
      for (const m of messages) {
        const where = `${file}:${m.line}`;
        const res: DecodeResult = decodeMessage(m.raw, ctx);
        expect(res.length, where).toBe(m.raw.length);
        expect(res.errors.map((e) => [e.code, e.subcode, e.action]), where).toEqual(EXPECTED_FINDINGS[where] ?? []);
        const msg = res.message!;
        expect(msg, where).toBeDefined();
        if (m.json) {
          const upd = m.json.neighbor.message.update;
          expect(msg.type).toBe('UPDATE');
          compareUpdate(msg as UpdateMessage, upd);
        }
        // Re-encode: byte-identical, or (where the sender chose another attribute order or an
        // Extended Length bit we do not model) the same attributes and the same decode.
        const again = encodeMessage(msg, ctx);
        stats.messages++;
        if (again.equals(m.raw)) {
          stats.identical++;
          continue;
        }
        expect(msg.type, `${where} re-encoded differently`).toBe('UPDATE');
        expect(attributeTlvs(again), where).toEqual(attributeTlvs(m.raw));
        expect(decodeMessage(again, ctx).message, where).toEqual(msg);
      }
    });
  }
  it('re-encodes 23 of the 33 byte for byte', () => {
    // 33 messages; the rest differ only in attribute order (MP_REACH last, as ExaBGP sends it)
    // or an Extended Length bit on a short MP_UNREACH.
    expect(stats.messages).toBe(33);
    expect(stats.identical).toBe(23);
  });
});
