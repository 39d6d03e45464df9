/**
 * Decoded BGP messages as JSON objects (what `bgplab decode -f json` prints, one per line, and
 * what the speaker's control socket uses for route attributes) and as short readable text
 * (tcpdump -v / birdc style). Pure: values in, plain objects and strings out.
 *
 * JSON shape (users script against it; keep names stable):
 * - every record: `type` (OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH, or UNKNOWN with
 *   `typeCode`), `length` (header length field).
 * - OPEN: `version`, `myAs` (the 4-octet AS when the capability carries one, RFC 6793 §4.1, else the
 *   2-octet field), `myAs2Octet` (the field as sent), `holdTime`, `bgpId`, `capabilities`
 *   (`{code, name, ...}`), `parameters` (non-capability optional parameters, hex).
 * - UPDATE: `withdrawn`, `nlri` (prefix strings), `attributes` (see attributesToJson), `endOfRib`
 *   (`{afi, safi, family}`, RFC 4724 §2) when it is one.
 *   ADD-PATH (RFC 7911) path ids never change the prefix strings: they come in a parallel array
 *   beside the list they belong to (`withdrawnPathIds`, `nlriPathIds`, and inside mpReach/mpUnreach),
 *   present only when the context had ADD-PATH for that family; `nlriPathIds[i]` goes with `nlri[i]`.
 * - NOTIFICATION: `code`, `subcode`, `codeName`, `subcodeName`, `data` (hex), plus what the data
 *   means when an RFC defines it (`shutdownCommunication`, `inner` for Hard Reset, …).
 * - ROUTE-REFRESH: `afi`, `safi`, `family`, `subtype`, `subtypeName`.
 * - errors (DecodeError values): `error` = the most severe one as `{code, subcode, name, action,
 *   offset, reason, data}`, `errors` = all of them when there are several, and `raw` = the message
 *   in hex. With treat-as-withdraw or attribute-discard the message fields are still present.
 */
import type {
  AsPathSegment,
  BgpMessage,
  Capability,
  DecodeError,
  DecodeResult,
  Nlri,
  NotificationMessage,
  OpenMessage,
  PathAttributes,
  RouteRefreshMessage,
  UpdateMessage,
} from './types.js';
import { capabilityName } from './constants.js';
import { codeName, errorName, notificationDetails, subcodeName, type NotificationDetails } from './notification-names.js';

export type JsonObject = Record<string, unknown>;

const TYPE_NAMES: Record<number, string> = { 1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH' };

// ---------------------------------------------------------------- families

const AFI_NAMES: Record<number, string> = { 1: 'ipv4', 2: 'ipv6', 25: 'l2vpn', 16388: 'bgp-ls' };
const SAFI_NAMES: Record<number, string> = {
  1: 'unicast',
  2: 'multicast',
  4: 'labeled-unicast',
  5: 'mcast-vpn',
  65: 'vpls',
  70: 'evpn',
  71: 'bgp-ls',
  72: 'bgp-ls-vpn',
  73: 'sr-policy',
  128: 'mpls-vpn',
  129: 'mcast-mpls-vpn',
  132: 'rtc',
  133: 'flowspec',
  134: 'flowspec-vpn',
};

/** "ipv4-unicast", "l2vpn-evpn", or "afi-N-safi-M" for what IANA names we do not list. */
export function familyName(afi: number, safi: number): string {
  const a = AFI_NAMES[afi];
  const s = SAFI_NAMES[safi];
  if (a && s) return `${a}-${s}`;
  return `${a ?? `afi-${afi}`}-${s ?? `safi-${safi}`}`;
}

// ---------------------------------------------------------------- small formatters

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;
const SEGMENT_NAMES: Record<number, string> = { 1: 'AS_SET', 2: 'AS_SEQUENCE', 3: 'AS_CONFED_SEQUENCE', 4: 'AS_CONFED_SET' };

export function communityToString(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

/** RFC 1997, 7999, 8326, 9494 well-known communities (for text output). */
const WELL_KNOWN_COMMUNITIES: Record<number, string> = {
  0xffff0000: 'graceful-shutdown',
  0xffff0001: 'accept-own',
  0xffff029a: 'blackhole',
  0xffff0006: 'llgr-stale',
  0xffff0007: 'no-llgr',
  0xffffff01: 'no-export',
  0xffffff02: 'no-advertise',
  0xffffff03: 'no-export-subconfed',
  0xffffff04: 'nopeer',
};

const ATTRIBUTE_NAMES: Record<number, string> = {
  1: 'origin',
  2: 'as-path',
  3: 'next-hop',
  4: 'med',
  5: 'local-pref',
  6: 'atomic-aggregate',
  7: 'aggregator',
  8: 'communities',
  9: 'originator-id',
  10: 'cluster-list',
  14: 'mp-reach-nlri',
  15: 'mp-unreach-nlri',
  16: 'extended-communities',
  17: 'as4-path',
  18: 'as4-aggregator',
  20: 'connector',
  21: 'as-pathlimit',
  22: 'pmsi-tunnel',
  23: 'tunnel-encapsulation',
  24: 'traffic-engineering',
  25: 'ipv6-extended-communities',
  26: 'aigp',
  27: 'pe-distinguisher-labels',
  29: 'bgp-ls',
  32: 'large-communities',
  33: 'bgpsec-path',
  35: 'only-to-customer',
  36: 'd-path',
  37: 'sfp',
  38: 'bfd-discriminator',
  40: 'prefix-sid',
  128: 'attr-set',
};

export function attributeName(code: number): string {
  return ATTRIBUTE_NAMES[code] ?? 'unknown';
}

const TUNNEL_TYPES: Record<number, string> = { 8: 'vxlan', 9: 'nvgre', 10: 'mpls', 11: 'mpls-gre', 12: 'vxlan-gpe', 13: 'mpls-udp' };

/**
 * RFC 4360 extended community as text: "target:65000:100", "origin:10.0.0.1:5",
 * "link-bandwidth:65000:125000000", "ovs:valid", "encap:vxlan", else "0x" and 16 hex digits.
 */
export function extendedCommunityToString(b: Buffer): string {
  if (b.length !== 8) return `0x${b.toString('hex')}`;
  const type = b[0];
  const sub = b[1];
  const kind = sub === 0x02 ? 'target' : sub === 0x03 ? 'origin' : undefined;
  const low = type & 0x3f;
  if (low === 0x00 && (type & 0x80) === 0) {
    if (kind) return `${kind}:${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
    if (sub === 0x04) return `link-bandwidth:${b.readUInt16BE(2)}:${b.readFloatBE(4)}`;
  }
  if (low === 0x01 && (type & 0x80) === 0 && kind) return `${kind}:${b[2]}.${b[3]}.${b[4]}.${b[5]}:${b.readUInt16BE(6)}`;
  if (low === 0x02 && (type & 0x80) === 0 && kind) return `${kind}:${b.readUInt32BE(2)}:${b.readUInt16BE(6)}`;
  if (type === 0x43 && sub === 0x00) return `ovs:${['valid', 'not-found', 'invalid'][b[7]] ?? b[7]}`;
  if (type === 0x03 && sub === 0x0c) return `encap:${TUNNEL_TYPES[b.readUInt16BE(6)] ?? b.readUInt16BE(6)}`;
  if (type === 0x80 && sub === 0x06) return `traffic-rate:${b.readUInt16BE(2)}:${b.readFloatBE(4)}`;
  if (type === 0x80 && sub === 0x08) return `redirect:${b.readUInt16BE(2)}:${b.readUInt32BE(4)}`;
  return `0x${b.toString('hex')}`;
}

function prefixes(list: Nlri[]): string[] {
  return list.map((n) => n.prefix);
}

/** The path ids of a list, when ADD-PATH put them there (RFC 7911 §3). */
function pathIds(list: Nlri[]): number[] | undefined {
  if (!list.some((n) => n.pathId !== undefined)) return undefined;
  return list.map((n) => n.pathId ?? 0);
}

function segmentsToJson(segs: AsPathSegment[]): JsonObject[] {
  return segs.map((s) => ({ type: SEGMENT_NAMES[s.type] ?? `type-${s.type}`, asns: s.asns }));
}

// ---------------------------------------------------------------- messages

/** Path attributes under the names users script against (decode -f json, control socket routes). */
export function attributesToJson(a: PathAttributes): JsonObject {
  const o: JsonObject = {};
  if (a.origin !== undefined) o.origin = ORIGIN_NAMES[a.origin] ?? a.origin;
  if (a.asPath) o.asPath = segmentsToJson(a.asPath);
  if (a.nextHop !== undefined) o.nextHop = a.nextHop;
  if (a.med !== undefined) o.med = a.med;
  if (a.localPref !== undefined) o.localPref = a.localPref;
  if (a.atomicAggregate) o.atomicAggregate = true;
  if (a.aggregator) o.aggregator = { asn: a.aggregator.asn, address: a.aggregator.address };
  if (a.communities) o.communities = a.communities.map(communityToString);
  if (a.originatorId !== undefined) o.originatorId = a.originatorId;
  if (a.clusterList) o.clusterList = a.clusterList;
  if (a.mpReach) {
    const m = a.mpReach;
    const r: JsonObject = { afi: m.afi, safi: m.safi, family: familyName(m.afi, m.safi), nextHops: m.nextHops, nlri: prefixes(m.nlri) };
    const ids = pathIds(m.nlri);
    if (ids) r.nlriPathIds = ids;
    if (m.unsupported) {
      r.unsupported = true;
      r.raw = { nextHop: m.unsupported.nextHop.toString('hex'), nlri: m.unsupported.nlri.toString('hex') };
    }
    o.mpReach = r;
  }
  if (a.mpUnreach) {
    const m = a.mpUnreach;
    const r: JsonObject = { afi: m.afi, safi: m.safi, family: familyName(m.afi, m.safi), withdrawn: prefixes(m.withdrawn) };
    const ids = pathIds(m.withdrawn);
    if (ids) r.withdrawnPathIds = ids;
    if (m.unsupported) {
      r.unsupported = true;
      r.raw = { nlri: m.unsupported.nlri.toString('hex') };
    }
    o.mpUnreach = r;
  }
  if (a.extendedCommunities) o.extendedCommunities = a.extendedCommunities.map(extendedCommunityToString);
  if (a.as4Path) o.as4Path = segmentsToJson(a.as4Path);
  if (a.as4Aggregator) o.as4Aggregator = { asn: a.as4Aggregator.asn, address: a.as4Aggregator.address };
  if (a.largeCommunities) o.largeCommunities = a.largeCommunities.map(([g, l1, l2]) => `${g}:${l1}:${l2}`);
  if (a.unknown && a.unknown.length > 0) {
    o.unknown = a.unknown.map((u) => ({ code: u.code, name: attributeName(u.code), flags: u.flags, value: u.value.toString('hex') }));
  }
  return o;
}

const SEND_RECEIVE = ['none', 'receive', 'send', 'send-receive'];

export function capabilityToJson(c: Capability): JsonObject {
  switch (c.name) {
    case 'multiprotocol':
      return { code: c.code, name: c.name, afi: c.afi, safi: c.safi, family: familyName(c.afi, c.safi) };
    case 'graceful-restart':
      return {
        code: c.code,
        name: c.name,
        restarting: c.restarting,
        notification: c.notification,
        restartTime: c.restartTime,
        families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, family: familyName(f.afi, f.safi), forwardingPreserved: f.forwardingPreserved })),
      };
    case 'four-octet-as':
      return { code: c.code, name: c.name, asn: c.asn };
    case 'add-path':
      return {
        code: c.code,
        name: c.name,
        families: c.families.map((f) => ({ afi: f.afi, safi: f.safi, family: familyName(f.afi, f.safi), sendReceive: SEND_RECEIVE[f.sendReceive] ?? f.sendReceive })),
      };
    case 'long-lived-graceful-restart':
      return {
        code: c.code,
        name: c.name,
        families: c.families.map((f) => ({
          afi: f.afi,
          safi: f.safi,
          family: familyName(f.afi, f.safi),
          forwardingPreserved: f.forwardingPreserved,
          staleTime: f.staleTime,
        })),
      };
    case 'fqdn':
      return { code: c.code, name: c.name, hostname: c.hostname, domain: c.domain };
    case 'unknown':
      return { code: c.code, name: capabilityName(c.code), data: c.data.toString('hex') };
    default:
      return { code: c.code, name: c.name };
  }
}

function openToJson(m: OpenMessage): JsonObject {
  const as4 = m.capabilities.find((c) => c.code === 65 && c.name === 'four-octet-as');
  const o: JsonObject = {
    version: m.version,
    myAs: as4 && as4.name === 'four-octet-as' ? as4.asn : m.myAs,
    myAs2Octet: m.myAs,
    holdTime: m.holdTime,
    bgpId: m.bgpId,
    capabilities: m.capabilities.map(capabilityToJson),
  };
  if (m.otherParameters && m.otherParameters.length > 0) {
    o.parameters = m.otherParameters.map((p) => ({ type: p.type, data: p.data.toString('hex') }));
  }
  return o;
}

/** RFC 4724 §2 End-of-RIB: an empty UPDATE (IPv4 unicast) or one holding only an empty MP_UNREACH. */
export function endOfRib(m: UpdateMessage): { afi: number; safi: number } | undefined {
  if (m.withdrawn.length > 0 || m.nlri.length > 0) return undefined;
  const keys = Object.keys(m.attributes).filter((k) => (m.attributes as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) return { afi: 1, safi: 1 };
  const u = m.attributes.mpUnreach;
  if (keys.length === 1 && u && u.withdrawn.length === 0 && (!u.unsupported || u.unsupported.nlri.length === 0)) {
    return { afi: u.afi, safi: u.safi };
  }
  return undefined;
}

function updateToJson(m: UpdateMessage): JsonObject {
  const o: JsonObject = { withdrawn: prefixes(m.withdrawn) };
  const wIds = pathIds(m.withdrawn);
  if (wIds) o.withdrawnPathIds = wIds;
  o.attributes = attributesToJson(m.attributes);
  o.nlri = prefixes(m.nlri);
  const nIds = pathIds(m.nlri);
  if (nIds) o.nlriPathIds = nIds;
  const eor = endOfRib(m);
  if (eor) o.endOfRib = { ...eor, family: familyName(eor.afi, eor.safi) };
  return o;
}

function detailsToJson(d: NotificationDetails): JsonObject {
  const o: JsonObject = {};
  if (d.shutdownCommunication !== undefined) o.shutdownCommunication = d.shutdownCommunication;
  if (d.invalid !== undefined) o.invalid = d.invalid;
  if (d.extraData) o.extraData = d.extraData.toString('hex');
  if (d.maxPrefixes) o.maxPrefixes = { ...d.maxPrefixes, family: familyName(d.maxPrefixes.afi, d.maxPrefixes.safi) };
  if (d.value !== undefined) o.value = d.value;
  if (d.inner) {
    const i = d.inner;
    o.inner = { code: i.code, subcode: i.subcode, codeName: i.codeName, subcodeName: i.subcodeName, data: i.data.toString('hex'), ...(i.details ? detailsToJson(i.details) : {}) };
  }
  return o;
}

function notificationToJson(m: NotificationMessage): JsonObject {
  return {
    code: m.code,
    subcode: m.subcode,
    codeName: codeName(m.code),
    subcodeName: subcodeName(m.code, m.subcode),
    data: m.data.toString('hex'),
    ...detailsToJson(notificationDetails(m.code, m.subcode, m.data)),
  };
}

/** RFC 7313 §3.2: normal request, Beginning and End of Route Refresh. */
const REFRESH_SUBTYPES: Record<number, string> = { 0: 'request', 1: 'BoRR', 2: 'EoRR' };

function routeRefreshToJson(m: RouteRefreshMessage): JsonObject {
  return {
    afi: m.afi,
    safi: m.safi,
    family: familyName(m.afi, m.safi),
    subtype: m.subtype,
    subtypeName: REFRESH_SUBTYPES[m.subtype] ?? 'reserved',
  };
}

/** A message's own fields (without `type`/`length`). */
export function messageToJson(m: BgpMessage): JsonObject {
  switch (m.type) {
    case 'OPEN':
      return { type: m.type, ...openToJson(m) };
    case 'UPDATE':
      return { type: m.type, ...updateToJson(m) };
    case 'NOTIFICATION':
      return { type: m.type, ...notificationToJson(m) };
    case 'ROUTE-REFRESH':
      return { type: m.type, ...routeRefreshToJson(m) };
    case 'KEEPALIVE':
      return { type: m.type };
  }
}

export function decodeErrorToJson(e: DecodeError): JsonObject {
  return {
    code: e.code,
    subcode: e.subcode,
    name: errorName(e.code, e.subcode),
    action: e.action,
    offset: e.offset,
    reason: e.reason,
    data: e.data.toString('hex'),
  };
}

const SEVERITY: Record<string, number> = { 'session-reset': 3, 'afi-safi-disable': 2, 'treat-as-withdraw': 1, 'attribute-discard': 0 };

/** The error that decides what happens to the session (RFC 7606 §3: the strongest action wins). */
export function mostSevere(errors: DecodeError[]): DecodeError | undefined {
  let best: DecodeError | undefined;
  for (const e of errors) if (!best || (SEVERITY[e.action] ?? 3) > (SEVERITY[best.action] ?? 3)) best = e;
  return best;
}

/**
 * One decode result as a JSON object: `type`, `length`, the message fields, and `error`/`errors`/`raw`
 * when something was malformed. `bytes` are the message's bytes (for the header fields and `raw`).
 */
export function resultToJson(result: DecodeResult, bytes: Buffer): JsonObject {
  // Header fields mean something only behind a valid marker (a 1/1 error has none).
  const typeCode = bytes.length >= 19 && hasMarker(bytes) ? bytes[18] : undefined;
  const o: JsonObject = {};
  if (result.message) {
    const body = messageToJson(result.message);
    o.type = body.type;
    o.length = headerLength(bytes);
    for (const key in body) if (key !== 'type') o[key] = body[key];
  } else {
    o.type = typeCode !== undefined ? (TYPE_NAMES[typeCode] ?? 'UNKNOWN') : 'UNKNOWN';
    if (typeCode !== undefined && !TYPE_NAMES[typeCode]) o.typeCode = typeCode;
    o.length = headerLength(bytes);
  }
  if (result.errors.length > 0) {
    o.error = decodeErrorToJson(mostSevere(result.errors)!);
    if (result.errors.length > 1) o.errors = result.errors.map(decodeErrorToJson);
    o.raw = bytes.toString('hex');
  }
  return o;
}

const MARKER = Buffer.alloc(16, 0xff);

function hasMarker(bytes: Buffer): boolean {
  return bytes.length >= 16 && bytes.compare(MARKER, 0, 16, 0, 16) === 0;
}

function headerLength(bytes: Buffer): number {
  return bytes.length >= 18 && hasMarker(bytes) ? bytes.readUInt16BE(16) : bytes.length;
}

// ---------------------------------------------------------------- text

function asPathText(segs: unknown): string {
  if (!Array.isArray(segs)) return '';
  const parts = (segs as Array<{ type: string; asns: number[] }>).map((s) => {
    if (s.type === 'AS_SET') return `{${s.asns.join(',')}}`;
    if (s.type === 'AS_CONFED_SEQUENCE') return `(${s.asns.join(' ')})`;
    if (s.type === 'AS_CONFED_SET') return `[${s.asns.join(',')}]`;
    return s.asns.join(' ');
  });
  return parts.join(' ') || '(empty)';
}

function prefixListText(list: unknown, ids: unknown): string {
  const p = Array.isArray(list) ? (list as string[]) : [];
  const i = Array.isArray(ids) ? (ids as number[]) : undefined;
  return p.map((x, k) => (i ? `${x} (path-id ${i[k]})` : x)).join(' ');
}

function communityText(c: string): string {
  const [hi, lo] = c.split(':').map(Number);
  const name = WELL_KNOWN_COMMUNITIES[((hi << 16) | lo) >>> 0];
  return name ? `${c}(${name})` : c;
}

export function attributesText(a: JsonObject): string[] {
  const parts: string[] = [];
  const lines: string[] = [];
  if (a.origin !== undefined) parts.push(`origin ${a.origin}`);
  if (a.asPath !== undefined) parts.push(`as-path ${asPathText(a.asPath)}`);
  if (a.nextHop !== undefined) parts.push(`next-hop ${a.nextHop}`);
  if (a.med !== undefined) parts.push(`med ${a.med}`);
  if (a.localPref !== undefined) parts.push(`local-pref ${a.localPref}`);
  if (a.atomicAggregate) parts.push('atomic-aggregate');
  const agg = a.aggregator as { asn: number; address: string } | undefined;
  if (agg) parts.push(`aggregator ${agg.asn} ${agg.address}`);
  if (a.communities) parts.push(`communities ${(a.communities as string[]).map(communityText).join(' ')}`);
  if (a.largeCommunities) parts.push(`large-communities ${(a.largeCommunities as string[]).join(' ')}`);
  if (a.extendedCommunities) parts.push(`extended-communities ${(a.extendedCommunities as string[]).join(' ')}`);
  if (a.originatorId !== undefined) parts.push(`originator-id ${a.originatorId}`);
  if (a.clusterList) parts.push(`cluster-list ${(a.clusterList as string[]).join(' ')}`);
  if (a.as4Path !== undefined) parts.push(`as4-path ${asPathText(a.as4Path)}`);
  const agg4 = a.as4Aggregator as { asn: number; address: string } | undefined;
  if (agg4) parts.push(`as4-aggregator ${agg4.asn} ${agg4.address}`);
  for (const u of (a.unknown as Array<{ code: number; name: string; flags: number; value: string }> | undefined) ?? []) {
    parts.push(`${u.name === 'unknown' ? 'attribute' : u.name}(${u.code}, flags 0x${u.flags.toString(16)}) 0x${u.value}`);
  }
  if (parts.length > 0) lines.push(parts.join(', '));
  const r = a.mpReach as JsonObject | undefined;
  if (r) {
    const body = r.unsupported ? `raw next hop 0x${(r.raw as JsonObject).nextHop}, nlri 0x${(r.raw as JsonObject).nlri}` : `next-hop ${(r.nextHops as string[]).join(' ')}: ${prefixListText(r.nlri, r.nlriPathIds)}`;
    lines.push(`mp-reach ${r.family}${r.unsupported ? ' (family not decoded)' : ''} ${body}`.trimEnd());
  }
  const w = a.mpUnreach as JsonObject | undefined;
  if (w) {
    const body = w.unsupported ? `raw nlri 0x${(w.raw as JsonObject).nlri}` : prefixListText(w.withdrawn, w.withdrawnPathIds);
    lines.push(`mp-unreach ${w.family}${w.unsupported ? ' (family not decoded)' : ''}${body ? `: ${body}` : ''}`);
  }
  return lines;
}

function capabilityText(c: JsonObject): string {
  const fam = (f: JsonObject) => String(f.family);
  // Kept raw (unknown to the codec, or a known code whose value did not parse).
  if (c.data !== undefined) return `${c.name}(${c.code})${c.data ? ` 0x${c.data}` : ''}`;
  switch (c.name) {
    case 'multiprotocol':
      return `multiprotocol ${c.family}`;
    case 'four-octet-as':
      return `four-octet-as ${c.asn}`;
    case 'graceful-restart': {
      const flags = [c.restarting ? 'restarting' : '', c.notification ? 'notification' : ''].filter(Boolean).join(' ');
      const fams = (c.families as JsonObject[]).map((f) => `${fam(f)}${f.forwardingPreserved ? '(F)' : ''}`).join(' ');
      return `graceful-restart ${c.restartTime}s${flags ? ` ${flags}` : ''}${fams ? ` ${fams}` : ''}`;
    }
    case 'add-path':
      return `add-path ${(c.families as JsonObject[]).map((f) => `${fam(f)} ${f.sendReceive}`).join(' ')}`;
    case 'long-lived-graceful-restart':
      return `long-lived-graceful-restart ${(c.families as JsonObject[]).map((f) => `${fam(f)} ${f.staleTime}s${f.forwardingPreserved ? '(F)' : ''}`).join(' ')}`.trimEnd();
    case 'fqdn':
      return `fqdn ${c.hostname}${c.domain ? `.${c.domain}` : ''}`;
    default:
      return String(c.name);
  }
}

function notificationText(o: JsonObject): string {
  let s = `${o.code}/${o.subcode} ${o.codeName} / ${o.subcodeName}`;
  if (o.shutdownCommunication !== undefined) {
    s += o.shutdownCommunication === '' ? ', empty shutdown communication' : `, shutdown communication ${JSON.stringify(o.shutdownCommunication)}`;
  }
  const inner = o.inner as JsonObject | undefined;
  if (inner) {
    s += `, wrapping ${inner.code}/${inner.subcode} ${inner.codeName} / ${inner.subcodeName}`;
    if (inner.shutdownCommunication) s += ` ${JSON.stringify(inner.shutdownCommunication)}`;
  }
  const max = o.maxPrefixes as JsonObject | undefined;
  if (max) s += `, ${max.family} limit ${max.limit}`;
  if (o.value !== undefined) s += `, value ${o.value}`;
  if (o.invalid) s += `, invalid: ${o.invalid}`;
  if (o.extraData) s += `, extra data 0x${o.extraData}`;
  else if (o.data && o.shutdownCommunication === undefined && !inner && !max && o.value === undefined) s += `, data 0x${o.data}`;
  return s;
}

/**
 * A JSON record (from resultToJson) as text: a first line with `prefix` (time and endpoints, if
 * any), the type, length and the gist; indented lines for the details and any errors.
 */
export function jsonToText(o: JsonObject, prefix = ''): string {
  const head = `${prefix}${o.type}${o.typeCode !== undefined ? `(${o.typeCode})` : ''} (${o.length} bytes)`;
  const lines: string[] = [];
  let gist = '';
  const error = o.error as JsonObject | undefined;
  // Fields of a decoded message are present unless the error made the message unusable.
  const decoded = 'version' in o || 'attributes' in o || 'codeName' in o || 'subtype' in o;
  if (decoded) {
    switch (o.type) {
      case 'OPEN': {
        const asText = o.myAs !== o.myAs2Octet ? `${o.myAs} (2-octet field ${o.myAs2Octet})` : `${o.myAs}`;
        gist = `version ${o.version}, AS ${asText}, hold ${o.holdTime}s, id ${o.bgpId}`;
        const caps = (o.capabilities as JsonObject[] | undefined) ?? [];
        if (caps.length > 0) lines.push(`capabilities: ${caps.map(capabilityText).join('; ')}`);
        for (const p of (o.parameters as JsonObject[] | undefined) ?? []) lines.push(`optional parameter ${p.type}: 0x${p.data}`);
        break;
      }
      case 'UPDATE': {
        const eor = o.endOfRib as JsonObject | undefined;
        if (eor) {
          gist = `End-of-RIB ${eor.family}`;
          break;
        }
        const attrs = (o.attributes as JsonObject | undefined) ?? {};
        const reach = attrs.mpReach as JsonObject | undefined;
        const unreach = attrs.mpUnreach as JsonObject | undefined;
        const announced = ((o.nlri as string[] | undefined)?.length ?? 0) + ((reach?.nlri as string[] | undefined)?.length ?? 0);
        const removed = ((o.withdrawn as string[] | undefined)?.length ?? 0) + ((unreach?.withdrawn as string[] | undefined)?.length ?? 0);
        const undecoded = [reach, unreach].filter((m) => m?.unsupported).map((m) => m!.family);
        gist = `${announced} announced, ${removed} withdrawn${undecoded.length > 0 ? ` (+ ${[...new Set(undecoded)].join(', ')}, not decoded)` : ''}`;
        const withdrawn = (o.withdrawn as string[] | undefined) ?? [];
        if (withdrawn.length > 0) lines.push(`withdrawn (${withdrawn.length}): ${prefixListText(o.withdrawn, o.withdrawnPathIds)}`);
        lines.push(...attributesText((o.attributes as JsonObject | undefined) ?? {}));
        const nlri = (o.nlri as string[] | undefined) ?? [];
        if (nlri.length > 0) lines.push(`nlri (${nlri.length}): ${prefixListText(o.nlri, o.nlriPathIds)}`);
        break;
      }
      case 'NOTIFICATION':
        gist = notificationText(o);
        break;
      case 'ROUTE-REFRESH':
        gist = `${o.family}, ${o.subtype === 0 ? 'request' : o.subtype === 1 ? 'BoRR (beginning of refresh)' : o.subtype === 2 ? 'EoRR (end of refresh)' : `subtype ${o.subtype}`}`;
        break;
    }
  }
  const guessed = o.guessed as { as4?: boolean; addPath?: string[] } | undefined;
  if (guessed) {
    const what = [guessed.as4 ? '4-octet AS' : '', guessed.addPath ? `ADD-PATH ${guessed.addPath.join(',')}` : ''].filter(Boolean).join(', ');
    lines.push(`(no OPEN seen: decoded assuming ${what})`);
  }
  const errors = (o.errors as JsonObject[] | undefined) ?? (error ? [error] : []);
  for (const e of errors) {
    lines.push(`! error ${e.code}/${e.subcode} ${e.name} (${e.action}) at byte ${e.offset}: ${e.reason}`);
  }
  if (error && o.raw !== undefined && String(o.raw).length <= 256) lines.push(`raw 0x${o.raw}`);
  const first = head + (o.conflicting ? ' [conflicting retransmission]' : '') + (gist ? `: ${gist}` : '');
  return [first, ...lines.map((l) => `    ${l}`)].join('\n');
}
