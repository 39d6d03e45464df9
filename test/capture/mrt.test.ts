/**
 * MRT dumps (src/capture/mrt.ts) against real dumps written by BIRD, Quagga and OpenBGPD
 * (test/fixtures/mrt, from mrtparse's samples): every route matches what bgpdump, an independent
 * reader, prints for it; BIRD's ADD-PATH dumps written before RFC 8050 decode to the routes its
 * configuration announces; and broken or unknown records are reported without losing the others
 * and without an exception, whatever the bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { decodeMrt, decodeMrtStream, NotMrtError, type MrtItem } from '../../src/capture/mrt.js';
import type { PathAttributes } from '../../src/wire/types.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'mrt');
const read = (f: string): Buffer => readFileSync(join(DIR, f));
const all = (f: string): MrtItem[] => [...decodeMrt(read(f))];

/** bgpdump prints IPv4-mapped IPv6 addresses as ::ffff:a.b.c.d; ours are RFC 5952 hex. */
function addr(a: string): string {
  const x = ipaddr.parse(a);
  if (x.kind() === 'ipv6' && (x as ipaddr.IPv6).isIPv4MappedAddress()) return `::ffff:${(x as ipaddr.IPv6).toIPv4Address().toString()}`;
  return x.toString();
}

const ORIGINS = ['IGP', 'EGP', 'INCOMPLETE'];

/** One route in bgpdump -m's terms: kind|peer|peer AS|prefix|path id|AS path|origin|next hop|local pref|MED|communities. */
function routeLine(kind: string, peer: { address: string; asn: number }, prefix: string, a: PathAttributes, pathId?: number): string {
  const asPath = (a.asPath ?? []).map((s) => (s.type === 'AS_SET' ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' ');
  const nh = a.nextHop ?? a.mpReach?.nextHops[0];
  // bgpdump's defaults for a route with no attributes at all (BIRD's own routes in its RIB dumps).
  const origin = a.origin !== undefined ? ORIGINS[a.origin] : 'INCOMPLETE';
  const comms = (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`).join(' ');
  return [kind, addr(peer.address), peer.asn, prefix, pathId ?? '', asPath, origin, nh ? addr(nh) : '', a.localPref ?? 0, a.med ?? 0, comms].join('|');
}

function ourRoutes(items: MrtItem[]): string[] {
  const out: string[] = [];
  for (const it of items) {
    if (it.kind === 'rib') for (const e of it.entries) out.push(routeLine('B', e.peer!, it.prefix, e.attributes, e.pathId));
    if (it.kind === 'bgp4mp-state') out.push(['STATE', addr(it.peer.address), it.peer.asn, it.oldState, it.newState].join('|'));
    if (it.kind === 'bgp4mp-message' && it.result.message?.type === 'UPDATE') {
      const m = it.result.message;
      const a = m.attributes;
      for (const n of [...m.nlri, ...(a.mpReach?.nlri ?? [])]) out.push(routeLine('A', it.peer, n.prefix, a, n.pathId));
      for (const n of [...m.withdrawn, ...(a.mpUnreach?.withdrawn ?? [])]) out.push(['W', addr(it.peer.address), it.peer.asn, n.prefix].join('|'));
    }
  }
  return out;
}

function bgpdumpRoutes(f: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync(join(DIR, `${f}.bgpdump`), 'utf8').split('\n')) {
    const p = line.split('|');
    if (p.length < 4) continue;
    const ap = p[0].endsWith('_AP') ? 1 : 0; // TABLE_DUMP2_AP / BGP4MP_AP: a path id after the prefix
    if (p[2] === 'B' || p[2] === 'A') {
      const nh = p[8 + ap] === '255.255.255.255' ? '' : addr(p[8 + ap]); // bgpdump's "no next hop"
      out.push([p[2], addr(p[3]), p[4], p[5], ap ? p[6] : '', p[6 + ap], p[7 + ap], nh, p[9 + ap], p[10 + ap], p[11 + ap]].join('|'));
    } else if (p[2] === 'W') out.push(['W', addr(p[3]), p[4], p[5]].join('|'));
    else if (p[2] === 'STATE') out.push(['STATE', addr(p[3]), p[4], p[5], p[6]].join('|'));
  }
  return out;
}

describe('MRT dumps against bgpdump', () => {
  const files = [
    'quagga_rib',
    'quagga_bgp',
    'bird-mrtdump_rib',
    'bird6-mrtdump_rib',
    'bird-mrtdump_bgp',
    'bird6-mrtdump_bgp',
    'openbgpd_bgp',
    'openbgpd_rib_table',
    'openbgpd_rib_table-v2',
  ];
  it.each(files)('%s: the same routes, state changes and withdrawals, in the same order', (f) => {
    const items = all(f);
    expect(items.filter((i) => i.kind === 'malformed')).toEqual([]);
    const theirs = bgpdumpRoutes(f);
    expect(theirs.length).toBeGreaterThan(5);
    expect(ourRoutes(items)).toEqual(theirs);
  });

  it('reads the ADD-PATH subtypes of RFC 8050 (BGP4MP and TABLE_DUMP_V2) with their path ids', () => {
    const rib = all('bird-mrtdump_rib').filter((i) => i.kind === 'rib');
    expect(rib.some((i) => i.record.subtypeName === 'RIB_IPV4_UNICAST_ADDPATH')).toBe(true);
    const e = rib.flatMap((i) => i.entries.map((x) => ({ prefix: i.prefix, pathId: x.pathId, peer: x.peer?.address })));
    expect(e).toContainEqual({ prefix: '172.17.0.0/24', pathId: 2, peer: '192.168.0.10' });
    const msgs = all('bird-mrtdump_bgp').filter((i) => i.kind === 'bgp4mp-message');
    expect(msgs.some((i) => i.record.subtypeName === 'MESSAGE_AS4_ADDPATH')).toBe(true);
    expect(msgs.every((i) => !i.guessedAddPath)).toBe(true); // the subtype says so: nothing guessed
  });

  it('reads MP_REACH_NLRI in RIB entries both abbreviated (RFC 6396 §4.3.4, OpenBGPD) and whole (Quagga)', () => {
    const firstV6 = (f: string) => all(f).find((i) => i.kind === 'rib' && i.family === 'ipv6') as Extract<MrtItem, { kind: 'rib' }>;
    const abbreviated = firstV6('openbgpd_rib_table-v2');
    expect(abbreviated.prefix).toBe('2001:db8::/64');
    expect(abbreviated.entries[0].attributes.mpReach).toEqual({ afi: 2, safi: 1, nextHops: ['2001:db8:0:1::10'], nlri: [] });
    const whole = firstV6('quagga_rib');
    expect(whole.entries[0].attributes.mpReach).toEqual({ afi: 2, safi: 1, nextHops: ['fd02::10', 'fe80::206:aff:fe0e:fff0'], nlri: [{ prefix: 'fd01:1::/64' }] });
    for (const r of [abbreviated, whole]) expect(r.entries.every((x) => x.errors.length === 0)).toBe(true);
  });
});

describe('BIRD ADD-PATH dumps older than RFC 8050', () => {
  it.each(['bird_bgp', 'bird6_bgp'])('%s: decoded with path ids, marked as assumed, to the routes bird.conf announces', (f) => {
    const items = all(f);
    const updates = items.filter((i): i is Extract<MrtItem, { kind: 'bgp4mp-message' }> => i.kind === 'bgp4mp-message' && i.result.message?.type === 'UPDATE');
    expect(updates.length).toBeGreaterThan(3);
    expect(updates.every((u) => u.result.errors.length === 0 && u.guessedAddPath)).toBe(true);
    const routes = ourRoutes(items).filter((l) => l.startsWith('A|'));
    const v4 = f === 'bird_bgp';
    for (const id of [1, 2]) {
      for (const n of [0, 1, 2]) expect(routes.some((l) => l.includes(`|${v4 ? `172.17.${n}.0/24` : `fd01:1${n ? `:${n}` : ''}::/64`}|${id}|`))).toBe(true);
    }
    if (v4) {
      // bird.conf: `route 192.168.16.0/24` with three large communities (65000, 4294967295, 100..300).
      const u = updates.find((x) => x.result.message?.type === 'UPDATE' && x.result.message.nlri.some((n) => n.prefix === '192.168.16.0/24'));
      expect(u?.result.message?.type === 'UPDATE' && u.result.message.attributes.largeCommunities).toEqual([
        [65000, 4294967295, 100],
        [65000, 4294967295, 200],
        [65000, 4294967295, 300],
      ]);
    }
  });
});

describe('records that are broken, cut short or unknown', () => {
  it('a dump cut mid-record keeps every complete record and reports the cut one', () => {
    const buf = read('quagga_rib');
    const full = all('quagga_rib');
    const cut = [...decodeMrt(buf.subarray(0, buf.length - 10))];
    expect(cut.slice(0, -1)).toEqual(full.slice(0, -1));
    expect(cut.at(-1)).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/runs past the end/) });
    const tail = [...decodeMrt(Buffer.concat([buf, Buffer.from([0, 0, 0, 1, 0])]))];
    expect(tail.at(-1)).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/too few for a 12-byte MRT header/) });
  });

  it('an unknown type or subtype is reported and the next record is read', () => {
    const rib = read('quagga_rib');
    const odd = Buffer.from([0, 0, 0, 1, 0, 99, 0, 1, 0, 0, 0, 3, 1, 2, 3]); // type 99, 3 bytes
    const legacy = Buffer.from([0, 0, 0, 1, 0, 13, 0, 6, 0, 0, 0, 0]); // TABLE_DUMP_V2 RIB_GENERIC, empty
    const items = [...decodeMrt(Buffer.concat([odd, legacy, rib]))];
    expect(items[0]).toMatchObject({ kind: 'unsupported', record: { type: 99, length: 3 } });
    expect(items[1]).toMatchObject({ kind: 'unsupported', record: { typeName: 'TABLE_DUMP_V2', subtypeName: 'RIB_GENERIC' } });
    expect(items.slice(2).map((i) => i.kind)).toEqual(all('quagga_rib').map((i) => i.kind));
    expect(all('openbgpd_rib_table-mp').every((i) => i.kind === 'unsupported')).toBe(true); // BGP4MP_ENTRY
  });

  it('a record whose fields overrun its length is malformed, the next one still decodes', () => {
    // BGP4MP MESSAGE_AS4 declaring 6 bytes: too short for its AS numbers and addresses.
    const short = Buffer.from([0, 0, 0, 1, 0, 16, 0, 4, 0, 0, 0, 6, 0, 0, 0xfd, 0xe8, 0, 0]);
    const items = [...decodeMrt(Buffer.concat([short, read('quagga_bgp')]))];
    expect(items[0]).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/BGP4MP MESSAGE_AS4: local AS/) });
    expect(items.length).toBe(all('quagga_bgp').length + 1);
  });

  it('a stream that does not start like a dump is refused before any record', async () => {
    await expect(collect(decodeMrtStream(chunked(read('bird.conf'), 7)))).rejects.toThrow(NotMrtError);
    await expect(collect(decodeMrtStream(chunked(Buffer.alloc(5), 2)))).rejects.toThrow(/too few for an MRT record header/);
  });

  it('never throws nor hits an internal error, and always ends, on mutated dumps', () => {
    const seeds = ['quagga_rib', 'bird-mrtdump_bgp', 'openbgpd_rib_table', 'bird_bgp'].map(read);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        (which, flips, cut) => {
          const buf = Buffer.from(seeds[which]);
          for (const [at, v] of flips) buf[at % buf.length] = v;
          const items = [...decodeMrt(buf.subarray(0, buf.length - (cut % 64)))];
          expect(items.length).toBeLessThanOrEqual(buf.length / 12 + 1);
          // A bug would be reported as an internal error on its record rather than thrown: none may be.
          for (const i of items) if (i.kind === 'malformed') expect(i.reason).not.toMatch(/internal error/);
        },
      ),
      { numRuns: 400 },
    );
  });
});

async function collect(items: AsyncIterable<MrtItem>): Promise<MrtItem[]> {
  const out: MrtItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}

/** The bytes as a stream of chunks of `size` bytes (or of varying sizes from `sizes`). */
async function* chunked(buf: Buffer, size: number, sizes?: number[]): AsyncGenerator<Buffer> {
  let p = 0;
  for (let i = 0; p < buf.length; i++) {
    const n = sizes ? sizes[i % sizes.length] : size;
    yield buf.subarray(p, p + n);
    p += n;
  }
}

describe('decodeMrtStream: the dump as its bytes arrive', () => {
  it('gives the same items as decoding the whole dump, however the bytes are cut into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('quagga_rib', 'bird_bgp', 'openbgpd_rib_table-v2', 'bird-mrtdump_rib'),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        async (f, sizes) => {
          expect(await collect(decodeMrtStream(chunked(read(f), 0, sizes)))).toEqual(all(f));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ends a cut dump as decodeMrt does, and stops at a length no record can have', async () => {
    const buf = read('quagga_rib');
    const cut = buf.subarray(0, buf.length - 10);
    expect(await collect(decodeMrtStream(chunked(cut, 100)))).toEqual([...decodeMrt(cut)]);
    const damaged = Buffer.concat([buf, Buffer.from([0, 0, 0, 1, 0, 13, 0, 2, 0x7f, 0xff, 0xff, 0xff])]);
    const items = await collect(decodeMrtStream(chunked(damaged, 64)));
    expect(items.slice(0, -1)).toEqual(all('quagga_rib'));
    expect(items.at(-1)).toMatchObject({ kind: 'malformed', offset: buf.length, reason: expect.stringMatching(/not believable/) });
  });
});
