/**
 * Codec throughput: a stream of UPDATEs carrying 1,000,000 IPv4 /24 prefixes packed as real
 * speakers pack them (500 prefixes per UPDATE, each group with its own attribute set), and an
 * MP_REACH stream of 1,000,000 IPv6 /122 prefixes (Calico's IPv6 block size). Times encoding
 * (encodeUpdates) and decoding (MessageReader + decodeMessage over 64 KiB chunks) and prints
 * prefixes/s and MB/s, best of several runs. Wall time and process CPU time are both printed: on a
 * shared machine the CPU time (user + system of this process) is the steadier figure to compare.
 * Run: npm run build && npm run bench:codec   (BENCH_PREFIXES=100000 BENCH_RUNS=9 for a quick look)
 */
import {
  MessageReader,
  decodeMessage,
  defaultContext,
  encodeUpdates,
  type Nlri,
  type PathAttributes,
  type UpdateMessage,
} from '../src/wire/index.js';

const PREFIXES = Number(process.env.BENCH_PREFIXES ?? 1_000_000);
const PER_UPDATE = 500;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ctx = defaultContext();

/** Process CPU time (user + system) in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Best wall and best CPU time of `runs` calls. */
interface Timing {
  ms: number;
  cpu: number;
}

function ipv4Prefixes(n: number): Nlri[] {
  const out: Nlri[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { prefix: `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24` };
  return out;
}

function ipv6Prefixes(n: number): Nlri[] {
  const out: Nlri[] = new Array(n);
  for (let i = 0; i < n; i++) {
    // fd00:10:<hi>:<lo>::<block>/122 style: vary two groups and the block inside a /64.
    out[i] = { prefix: `fd00:10:${(i >>> 12).toString(16)}:${((i >>> 4) & 0xff).toString(16)}::${((i & 15) << 6).toString(16)}/122` };
  }
  return out;
}

function attributesFor(group: number, family: 'ipv4' | 'ipv6'): PathAttributes {
  const attrs: PathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [64512 + (group % 100), 65000, 4200000000 + group] }],
    med: group,
    localPref: 100,
    communities: [((65000 << 16) | (group & 0xffff)) >>> 0],
  };
  if (family === 'ipv4') attrs.nextHop = `10.255.${(group >>> 8) & 255}.${group & 255}`;
  else attrs.mpReach = { afi: 2, safi: 1, nextHops: [`fd00:ff::${(group & 0xffff).toString(16)}`], nlri: [] };
  return attrs;
}

function encodeStream(family: 'ipv4' | 'ipv6', prefixes: Nlri[]): Buffer[] {
  const out: Buffer[] = [];
  for (let g = 0, i = 0; i < prefixes.length; g++, i += PER_UPDATE) {
    const msgs = encodeUpdates(family, attributesFor(g, family), prefixes.slice(i, i + PER_UPDATE), ctx);
    for (const m of msgs) out.push(m);
  }
  return out;
}

/** Encoding timed without the slicing of the input list (done up front). */
function timeEncode(family: 'ipv4' | 'ipv6', prefixes: Nlri[]): Timing & { bytes: number; messages: number } {
  const groups: Array<[PathAttributes, Nlri[]]> = [];
  for (let g = 0, i = 0; i < prefixes.length; g++, i += PER_UPDATE) {
    groups.push([attributesFor(g, family), prefixes.slice(i, i + PER_UPDATE)]);
  }
  let best = Infinity;
  let bestCpu = Infinity;
  let bytes = 0;
  let messages = 0;
  for (let r = 0; r < RUNS; r++) {
    bytes = 0;
    messages = 0;
    const c0 = cpuMs();
    const t0 = process.hrtime.bigint();
    for (const [attrs, list] of groups) {
      for (const m of encodeUpdates(family, attrs, list, ctx)) {
        bytes += m.length;
        messages++;
      }
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    best = Math.min(best, ms);
    bestCpu = Math.min(bestCpu, cpuMs() - c0);
  }
  return { ms: best, cpu: bestCpu, bytes, messages };
}

/**
 * Decode plus the first use of every prefix string as a Map key, as a RIB does: prefix strings
 * are built lazily by V8 (cons strings) and flattened on first hashing, so this is the honest
 * end-to-end figure for a consumer.
 */
function timeDecodeIntoMap(stream: Buffer): Timing {
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const rib = new Map<string, PathAttributes>();
    const c0 = cpuMs();
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < stream.length; ) {
      const res = decodeMessage(stream, ctx, off);
      off += res.length;
      const u = res.message as UpdateMessage;
      const attrs = u.attributes;
      for (const n of u.nlri) rib.set(n.prefix, attrs);
      if (attrs.mpReach) for (const n of attrs.mpReach.nlri) rib.set(n.prefix, attrs);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    bestCpu = Math.min(bestCpu, cpuMs() - c0);
  }
  return { ms: best, cpu: bestCpu };
}

function timeDecode(stream: Buffer): Timing & { prefixes: number; messages: number } {
  let best = Infinity;
  let bestCpu = Infinity;
  let prefixes = 0;
  let messages = 0;
  const CHUNK = 65536;
  for (let r = 0; r < RUNS; r++) {
    prefixes = 0;
    messages = 0;
    const c0 = cpuMs();
    const t0 = process.hrtime.bigint();
    const reader = new MessageReader();
    for (let off = 0; off < stream.length; off += CHUNK) {
      reader.push(stream.subarray(off, off + CHUNK));
      for (let frame = reader.next(); frame; frame = reader.next()) {
        const res = decodeMessage(frame, ctx);
        if (res.errors.length > 0 || !res.message) throw new Error(`decode failed: ${res.errors[0]?.reason}`);
        const u = res.message as UpdateMessage;
        prefixes += u.nlri.length + (u.attributes.mpReach?.nlri.length ?? 0);
        messages++;
      }
    }
    if (reader.error) throw new Error(reader.error.reason);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    best = Math.min(best, ms);
    bestCpu = Math.min(bestCpu, cpuMs() - c0);
  }
  return { ms: best, cpu: bestCpu, prefixes, messages };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function report(label: string, family: 'ipv4' | 'ipv6', prefixes: Nlri[]): void {
  const stream = Buffer.concat(encodeStream(family, prefixes));
  const mb = stream.length / 1e6;
  const enc = timeEncode(family, prefixes);
  const dec = timeDecode(stream);
  if (dec.prefixes !== prefixes.length) throw new Error(`decoded ${dec.prefixes} of ${prefixes.length} prefixes`);
  console.log(`${label}: ${fmt(prefixes.length)} prefixes in ${fmt(dec.messages)} UPDATEs, ${mb.toFixed(1)} MB`);
  const per100k = (t: Timing): string => `${((t.cpu * 100_000) / prefixes.length).toFixed(1)} ms CPU per 100k`;
  console.log(
    `  decode: ${dec.ms.toFixed(1)} ms (CPU ${dec.cpu.toFixed(1)} ms, ${per100k(dec)})  ${fmt(prefixes.length / (dec.ms / 1000))} prefixes/s  ${(mb / (dec.ms / 1000)).toFixed(1)} MB/s`,
  );
  const map = timeDecodeIntoMap(stream);
  console.log(
    `  decode + Map.set per prefix (RIB-like consumer; includes Map growth and GC): ${map.ms.toFixed(1)} ms (CPU ${map.cpu.toFixed(1)} ms, ${per100k(map)})  ${fmt(prefixes.length / (map.ms / 1000))} prefixes/s`,
  );
  console.log(
    `  encode: ${enc.ms.toFixed(1)} ms (CPU ${enc.cpu.toFixed(1)} ms, ${per100k(enc)})  ${fmt(prefixes.length / (enc.ms / 1000))} prefixes/s  ${(enc.bytes / 1e6 / (enc.ms / 1000)).toFixed(1)} MB/s`,
  );
}

console.log(`bgplab codec benchmark (node ${process.version}, best of ${RUNS} runs, ${PER_UPDATE} prefixes per attribute set)`);
report('IPv4 unicast /24 (NLRI field)', 'ipv4', ipv4Prefixes(PREFIXES));
report('IPv6 unicast /122 (MP_REACH_NLRI)', 'ipv6', ipv6Prefixes(PREFIXES));
