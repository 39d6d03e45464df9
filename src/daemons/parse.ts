/**
 * Pure parsers turning each implementation's own status output into the normalized `DaemonStatus`:
 * `birdc show protocols all` + `show route … count`, FRR `show bgp summary json` + `show bgp <afi> unicast
 * json`, `gobgp neighbor -j` + `global rib -j`, and the bgplab control socket answers. No I/O; the clock
 * is passed in. Unknown or malformed input yields fewer facts, never an exception.
 */
import type { AddressFamily, DaemonStatus, PeerState } from './types.js';

const FSM_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;

/** Map any spelling of an RFC 4271 §8.2.2 state (ESTABLISHED, established, BGP_FSM_…, 6) to its name. */
export function normalizeFsmState(raw: unknown): string {
  if (typeof raw === 'number') {
    // GoBGP's API enum: 0 unknown, 1 idle … 6 established.
    return FSM_STATES[raw - 1] ?? 'Idle';
  }
  const s = String(raw ?? '').replace(/^BGP_FSM_|^SESSION_STATE_/i, '').toLowerCase();
  for (const name of FSM_STATES) if (name.toLowerCase() === s) return name;
  if (s === 'opensent' || s === 'open_sent') return 'OpenSent';
  if (s === 'openconfirm' || s === 'open_confirm') return 'OpenConfirm';
  return s === '' ? 'Idle' : String(raw);
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function mergePeer(map: Map<string, PeerState>, p: PeerState): void {
  const old = map.get(p.address);
  if (!old) {
    map.set(p.address, { ...p, families: p.families ? [...p.families] : undefined });
    return;
  }
  // The same neighbour listed once per family (FRR, BIRD with a protocol per family): one session row.
  for (const f of p.families ?? []) {
    old.families ??= [];
    if (!old.families.includes(f)) old.families.push(f);
  }
  if (p.prefixesReceived !== undefined) old.prefixesReceived = (old.prefixesReceived ?? 0) + p.prefixesReceived;
  if (old.state !== 'Established' && p.state === 'Established') {
    old.state = p.state;
    old.since = p.since;
  }
  old.info ??= p.info;
}

// ---------------------------------------------------------------------------------------------- BIRD

/** BIRD prints protocol "Since" as time of day (`16:29:06.000`) or `YYYY-MM-DD HH:MM:SS`: make it ISO. */
export function birdTimeToIso(text: string, now: Date): string | undefined {
  const full = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)$/.exec(text);
  if (full) {
    const d = new Date(`${full[1]}T${full[2]}`);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  const tod = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!tod) return undefined;
  const d = new Date(now.getTime());
  d.setHours(Number(tod[1]), Number(tod[2]), Number(tod[3]), Number((tod[4] ?? '0').padEnd(3, '0').slice(0, 3)));
  // A time of day later than now was yesterday.
  if (d.getTime() > now.getTime() + 1000) d.setDate(d.getDate() - 1);
  return d.toISOString();
}

/** Strip what birdc adds when fed commands on stdin (prompt echo, terminal escapes, banner). */
export function cleanBirdcOutput(text: string): string[] {
  return text
    .replace(/\x1b\[K/g, '')
    .split('\n')
    .map((l) => l.replace(/^(bird> )+/, ''))
    .filter((l) => !/^BIRD [\d.]+ ready\.$/.test(l));
}

/** Parse `show protocols all`: one PeerState per BGP protocol, merged by neighbour address. */
export function parseBirdProtocols(lines: string[], now: Date): PeerState[] {
  const peers = new Map<string, PeerState>();
  interface Block {
    proto: string;
    state: string;
    since: string;
    info: string;
    detail: string[];
  }
  const blocks: Block[] = [];
  for (const line of lines) {
    // Protocol header: name, proto, table, state, since (1 or 2 words), info.
    const m = /^(\S+)\s+(BGP|Device|Direct|Kernel|Static|BFD|Pipe|RIP|OSPF|Babel|RAdv|MRT|Perf|RPKI|L3VPN|Aggregator)\s+(\S+)\s+(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?|\S+)\s*(.*)$/.exec(
      line,
    );
    if (m && !line.startsWith(' ')) {
      blocks.push({ proto: m[2], state: m[4], since: m[5], info: m[6].trim(), detail: [] });
    } else if (blocks.length && line.startsWith(' ')) {
      blocks[blocks.length - 1].detail.push(line.trim());
    }
  }
  for (const b of blocks) {
    if (b.proto !== 'BGP') continue;
    const field = (name: string): string | undefined => {
      const line = b.detail.find((l) => l.startsWith(name + ':'));
      return line?.slice(name.length + 1).trim();
    };
    const address = field('Neighbor address');
    if (!address) continue;
    // BIRD shows the remote address with a "%iface" suffix for link-local neighbours.
    const addr = address.split('%')[0];
    const bgpState = field('BGP state') ?? b.info.split(/\s+/)[0] ?? 'Idle';
    const families: AddressFamily[] = [];
    let received = 0;
    let sawRoutes = false;
    let channel: AddressFamily | undefined;
    for (const l of b.detail) {
      const ch = /^Channel (ipv4|ipv6)/.exec(l);
      if (ch) {
        channel = ch[1] as AddressFamily;
        continue;
      }
      if (channel && /^State:\s+UP/.test(l) && !families.includes(channel)) families.push(channel);
      const routes = /^Routes:\s+(\d+) imported/.exec(l);
      if (routes) {
        received += Number(routes[1]);
        sawRoutes = true;
      }
    }
    const lastError = field('Last error');
    const extra = b.info.split(/\s+/).slice(1).join(' ').trim();
    mergePeer(peers, {
      address: addr,
      asn: num(field('Neighbor AS')) ?? 0,
      state: normalizeFsmState(bgpState),
      since: birdTimeToIso(b.since, now),
      info: lastError || extra || undefined,
      prefixesReceived: sawRoutes ? received : undefined,
      families: families.length ? families : undefined,
    });
  }
  return [...peers.values()];
}

/** Numbers from `Total: X of Y routes …` lines, in order (one per `show route … count` command). */
export function parseBirdRouteTotals(lines: string[]): number[] {
  const out: number[] = [];
  for (const l of lines) {
    const m = /^Total:\s+(\d+) of \d+ routes/.exec(l);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/** The commands `birdStatus` feeds birdc, in the order parseBirdStatus expects. */
export const BIRD_STATUS_COMMANDS = [
  'show route primary where source = RTS_BGP && net.type = NET_IP4 count',
  'show route primary where source = RTS_BGP && net.type = NET_IP6 count',
  'show protocols all',
];

export function parseBirdStatus(output: string, now: Date): DaemonStatus {
  const lines = cleanBirdcOutput(output);
  const totals = parseBirdRouteTotals(lines);
  return {
    impl: 'bird',
    peers: parseBirdProtocols(lines, now),
    routes: { ipv4: totals[0] ?? 0, ipv6: totals[1] ?? 0 },
  };
}

// ----------------------------------------------------------------------------------------------- FRR

/** Split a stream of concatenated JSON documents (vtysh prints one per `-c`). Skips unparsable ones. */
export function splitJsonDocuments(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = depth > 0;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if ((c === '}' || c === ']') && depth > 0) {
      depth--;
      if (depth === 0 && start >= 0) {
        try {
          docs.push(JSON.parse(text.slice(start, i + 1)));
        } catch {
          // not JSON (a stray bracket in an error message): skip it
        }
        start = -1;
      }
    }
  }
  return docs;
}

const FRR_AFI: Record<string, AddressFamily> = { ipv4Unicast: 'ipv4', ipv6Unicast: 'ipv6' };

export function parseFrrSummary(doc: unknown, now: Date): PeerState[] {
  const peers = new Map<string, PeerState>();
  for (const [key, family] of Object.entries(FRR_AFI)) {
    const afi = obj(obj(doc)[key]);
    for (const [address, raw] of Object.entries(obj(afi.peers))) {
      const p = obj(raw);
      const state = normalizeFsmState(p.state);
      const upMs = num(p.peerUptimeMsec);
      mergePeer(peers, {
        address,
        asn: num(p.remoteAs) ?? 0,
        state,
        since: state === 'Established' && upMs !== undefined ? new Date(now.getTime() - upMs).toISOString() : undefined,
        info: typeof p.lastResetDueTo === 'string' && state !== 'Established' ? p.lastResetDueTo : undefined,
        prefixesReceived: num(p.pfxRcd),
        families: [family],
      });
    }
  }
  return [...peers.values()];
}

/** Best paths learned from a peer in `show bgp <afi> unicast json` (local paths have peerId "(unspec)"). */
export function countFrrLearned(doc: unknown): number {
  let n = 0;
  for (const paths of Object.values(obj(obj(doc).routes))) {
    if (!Array.isArray(paths)) continue;
    const best = paths.map(obj).find((p) => p.bestpath === true) ?? obj(paths[0]);
    const peerId = best.peerId;
    if (typeof peerId === 'string' && peerId !== '(unspec)' && peerId !== '') n++;
  }
  return n;
}

export const FRR_STATUS_COMMANDS = ['show bgp summary json', 'show bgp ipv4 unicast json', 'show bgp ipv6 unicast json'];

export function parseFrrStatus(output: string, now: Date): DaemonStatus {
  const docs = splitJsonDocuments(output);
  const summary = docs.find((d) => 'ipv4Unicast' in obj(d) || 'ipv6Unicast' in obj(d)) ?? {};
  const tables = docs.filter((d) => 'routes' in obj(d));
  // `show bgp ipv6 unicast json` names no family; tell the tables apart by their prefixes.
  const famOf = (d: unknown): AddressFamily | undefined => {
    const first = Object.keys(obj(obj(d).routes))[0];
    return first === undefined ? undefined : first.includes(':') ? 'ipv6' : 'ipv4';
  };
  const routes = { ipv4: 0, ipv6: 0 };
  for (const t of tables) {
    const f = famOf(t);
    if (f) routes[f] += countFrrLearned(t);
  }
  return { impl: 'frr', peers: parseFrrSummary(summary, now), routes };
}

// --------------------------------------------------------------------------------------------- GoBGP

const GOBGP_AFI: Record<string, AddressFamily> = { '1/1': 'ipv4', '2/1': 'ipv6' };

export function parseGobgpNeighbors(doc: unknown): PeerState[] {
  const list = Array.isArray(doc) ? doc : [];
  const peers = new Map<string, PeerState>();
  for (const raw of list) {
    const n = obj(raw);
    const conf = obj(n.conf);
    const state = obj(n.state);
    const address = String(state.neighbor_address ?? conf.neighbor_address ?? '');
    if (!address) continue;
    const fsm = normalizeFsmState(state.session_state ?? 'Idle');
    const uptime = num(obj(obj(obj(n.timers).state).uptime).seconds);
    const families: AddressFamily[] = [];
    let received: number | undefined;
    for (const a of Array.isArray(n.afi_safis) ? n.afi_safis : []) {
      const st = obj(obj(a).state);
      const fam = obj(st.family ?? obj(obj(a).config).family);
      const f = GOBGP_AFI[`${fam.afi ?? ''}/${fam.safi ?? ''}`];
      if (f && (st.enabled ?? obj(obj(a).config).enabled) !== false) families.push(f);
      const r = num(st.received);
      if (r !== undefined) received = (received ?? 0) + r;
    }
    mergePeer(peers, {
      address,
      asn: num(state.peer_asn ?? conf.peer_asn) ?? 0,
      state: fsm,
      since: fsm === 'Established' && uptime ? new Date(uptime * 1000).toISOString() : undefined,
      prefixesReceived: received,
      families: families.length ? families : undefined,
    });
  }
  return [...peers.values()];
}

/** Destinations of `gobgp global rib -a AFI -j` whose best path came from a neighbour. */
export function countGobgpLearned(doc: unknown): number {
  let n = 0;
  for (const paths of Object.values(obj(doc))) {
    if (!Array.isArray(paths)) continue;
    const best = paths.map(obj).find((p) => p.best === true);
    if (best && typeof best['neighbor-ip'] === 'string' && best['neighbor-ip'] !== '') n++;
  }
  return n;
}

// -------------------------------------------------------------------------------------------- bgplab

/** Control socket `status` answer + `routes` answer (contracts.md) → normalized status. */
export function parseSpeakerStatus(status: unknown, routes: unknown): DaemonStatus {
  const peers: PeerState[] = [];
  for (const raw of Array.isArray(obj(status).peers) ? (obj(status).peers as unknown[]) : []) {
    const p = obj(raw);
    if (typeof p.address !== 'string') continue;
    const fams = Array.isArray(p.families)
      ? (p.families.filter((f) => f === 'ipv4' || f === 'ipv6') as AddressFamily[])
      : undefined;
    peers.push({
      address: p.address,
      asn: num(p.asn) ?? 0,
      state: normalizeFsmState(p.state),
      since: typeof p.since === 'string' ? p.since : undefined,
      info: typeof p.lastError === 'string' ? p.lastError : undefined,
      prefixesReceived: num(obj(p.prefixes).received),
      families: fams && fams.length ? fams : undefined,
    });
  }
  const counts = { ipv4: 0, ipv6: 0 };
  const list = obj(routes).routes;
  if (Array.isArray(list)) {
    for (const raw of list) {
      const r = obj(raw);
      if (r.best === true && typeof r.peer === 'string' && (r.family === 'ipv4' || r.family === 'ipv6')) counts[r.family]++;
    }
  } else {
    // No route listing: fall back to the RIB sizes of the status answer (these include local prefixes).
    const rib = obj(obj(status).rib);
    counts.ipv4 = num(obj(rib.ipv4).routes) ?? 0;
    counts.ipv6 = num(obj(rib.ipv6).routes) ?? 0;
  }
  return { impl: 'bgplab', peers, routes: counts };
}
