/**
 * RIB benchmark: a route reflector with one client sending and one client receiving. N IPv4 prefixes
 * arrive in UPDATEs of 500 prefixes, each UPDATE with its own attribute set (distinct MED), as the
 * codec would hand them over; timed from the first applyUpdate to the last flush (both peers) and
 * takeBestChanges. Memory: heap growth (after GC) per route, input released, so it counts what the
 * RIB retains (prefix strings and NLRI objects included). Run: node dist/bench/rib.js [N...]
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Rib } from '../src/rib/index.js';
import type { Nlri, PathAttributes } from '../src/wire/types.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** GC pauses (ms) recorded by the observer, with their start times, to attribute them to phases. */
const gcPauses: Array<{ start: number; duration: number }> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, duration: e.duration });
}).observe({ entryTypes: ['gc'] });

function settle(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

interface Update {
  attrs: PathAttributes;
  nlri: Nlri[];
}

function makeUpdates(count: number, perUpdate: number): Update[] {
  const updates: Update[] = [];
  for (let start = 0; start < count; start += perUpdate) {
    const nlri: Nlri[] = [];
    for (let i = start; i < Math.min(count, start + perUpdate); i++) {
      // Distinct /24s (1M fit below 16.0.0.0), as decoded strings.
      nlri.push({ prefix: `${1 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24` });
    }
    updates.push({
      attrs: { origin: 0, asPath: [], nextHop: '10.0.0.11', localPref: 100, med: start / perUpdate },
      nlri,
    });
  }
  return updates;
}

interface Figures {
  apply: number;
  best: number;
  flush: number;
  total: number;
  groups: number;
  changeGroups: number;
  heapPerRoute: number;
  rssPerRoute: number;
  gc: number;
  /** CPU time (user + system) of the timed part: less sensitive than wall time to a busy machine. */
  cpu: number;
}

async function run(count: number): Promise<Figures> {
  const before = settle();
  const rssBefore = process.memoryUsage().rss;
  const rib = new Rib({ routerId: '10.0.0.1', asn: 64512, clusterId: '10.0.0.1', localAddresses: ['10.0.0.1'] });
  for (const [address, rid] of [['10.0.0.11', '10.0.0.11'], ['10.0.0.12', '10.0.0.12']]) {
    rib.addPeer({ address, asn: 64512, rrClient: true, nextHopSelf: { ipv4: '10.0.0.1', ipv6: 'fd00::1' }, families: ['ipv4'] });
    rib.peerUp(address, { routerId: rid });
  }
  rib.flush('10.0.0.11'); // initial (empty) dumps and End-of-RIB, before any route
  rib.flush('10.0.0.12');
  let updates: Update[] | null = makeUpdates(count, 500);

  const c0 = process.cpuUsage();
  const p0 = performance.now();
  const t0 = process.hrtime.bigint();
  for (const u of updates) rib.applyUpdate('10.0.0.11', 'ipv4', u.attrs, u.nlri, []);
  const t1 = process.hrtime.bigint();
  const changes = rib.takeBestChanges();
  const t2 = process.hrtime.bigint();
  const toSender = rib.flush('10.0.0.11');
  const toReceiver = rib.flush('10.0.0.12');
  const t3 = process.hrtime.bigint();
  const p3 = performance.now();
  const c3 = process.cpuUsage(c0);

  let sent = 0;
  for (const g of toReceiver.announce) sent += g.prefixes.length;
  const changed = changes.reduce((n, g) => n + g.prefixes.length, 0);
  if (sent !== count || changed !== count || toSender.announce.length !== 0) {
    throw new Error(`bench: expected ${count} prefixes out, got ${sent} (changes ${changed})`);
  }
  const groups = toReceiver.announce.length;
  const changeGroups = changes.length;
  updates = null;
  changes.length = 0;
  toReceiver.announce.length = 0;
  await new Promise((resolve) => setTimeout(resolve, 30)); // let the observer deliver
  const gc = gcPauses.filter((g) => g.start >= p0 && g.start <= p3).reduce((n, g) => n + g.duration, 0);
  gcPauses.length = 0;
  const after = settle();
  const rssAfter = process.memoryUsage().rss;
  // Keep the RIB alive until measured.
  if (rib.stats().ipv4.routes !== count) throw new Error('bench: route count');
  const ms = (a: bigint, b: bigint): number => Number(b - a) / 1e6;
  return {
    apply: ms(t0, t1),
    best: ms(t1, t2),
    flush: ms(t2, t3),
    total: ms(t0, t3),
    groups,
    changeGroups,
    heapPerRoute: (after - before) / count,
    rssPerRoute: (rssAfter - rssBefore) / count,
    gc,
    cpu: (c3.user + c3.system) / 1000,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
for (const count of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
  const repeats = count <= 200_000 ? 7 : 3;
  const runs: Figures[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await run(count));
  const m = (k: keyof Figures): number => median(runs.map((r) => r[k]));
  const best = Math.min(...runs.map((r) => r.total));
  console.log(
    `${count.toLocaleString('en-US')} routes (median of ${repeats}): apply ${m('apply').toFixed(1)} ms, ` +
      `best-changes ${m('best').toFixed(1)} ms, flush ${m('flush').toFixed(1)} ms, total ${m('total').toFixed(1)} ms ` +
      `(best ${best.toFixed(1)} ms, of which GC ${m('gc').toFixed(1)} ms; process CPU incl. GC threads ${m('cpu').toFixed(1)} ms) = ${Math.round(count / (m('total') / 1000)).toLocaleString('en-US')} routes/s; ` +
      `${runs[0].groups} attribute groups out, ${runs[0].changeGroups} best-change groups; ` +
      `heap ${m('heapPerRoute').toFixed(0)} B/route, rss ${m('rssPerRoute').toFixed(0)} B/route`,
  );
}
