/**
 * Loading and validating a speaker configuration (YAML or JSON, shape in config-types.ts) into a
 * fully resolved form with every default applied. Validation is by hand so that each error names the
 * field path, the value and why (RFC sections where a rule comes from one); all errors are collected
 * and reported together. `parseSpeakerConfig` is pure; `loadSpeakerConfig` only adds the file read.
 * Defaults for a lab: hold 90 s, keepalive hold/3, port 179, both families, blackhole on, no FIB;
 * connectRetry 30 s is the upper bound of the FSM's reconnect back-off (first dial at once, then from
 * ~100 ms doubling with jitter: src/fsm/backoff.ts), not a flat RFC 4271 120 s timer.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ipaddr from 'ipaddr.js';
import type { SpeakerConfig } from './config-types.js';

export type AddressFamily = 'ipv4' | 'ipv6';

export interface ResolvedTimers {
  /** Seconds; 0 = no hold timer and no keepalives (RFC 4271 §4.2). */
  hold: number;
  /** Seconds; 0 when hold is 0. */
  keepalive: number;
  /** Upper bound of the reconnect back-off, seconds. */
  connectRetry: number;
}

export interface ResolvedPeer {
  /** Canonical address (IPv4 dotted quad or RFC 5952 IPv6). */
  address: string;
  addressFamily: AddressFamily;
  asn: number;
  type: 'ibgp' | 'ebgp';
  rrClient: boolean;
  passive: boolean;
  port: number;
  timers: ResolvedTimers;
  families: AddressFamily[];
  description: string | null;
}

export interface ResolvedFib {
  /** Kernel route protocol: a number 1-255 or a name to look up in rt_protos (see src/fib). */
  protocol: number | string;
  /** Kernel table: a number or a name (main, local, default or from rt_tables). */
  table: number | string;
}

export interface ResolvedSpeakerConfig {
  name: string;
  routerId: string;
  asn: number;
  listen: { addresses: string[]; port: number };
  clusterId: string | null;
  timers: ResolvedTimers;
  peers: ResolvedPeer[];
  /** Originated prefixes (host bits clear, canonical), per family. */
  originate: { ipv4: string[]; ipv6: string[] };
  blackhole: boolean;
  fib: ResolvedFib | null;
  control: string | null;
  eventLog: string | null;
  /** RFC 4724: seconds we advertise as Restart Time, and the cap on how long we keep a peer's stale routes; null: off. */
  gracefulRestart: { restartTime: number; staleTime: number } | null;
  /** RFC 4271 §9.2.1.1 MRAI per peer (ms); 0: send at once. */
  advertisementIntervalMs: number;
}

export const DEFAULT_HOLD = 90;
export const DEFAULT_CONNECT_RETRY = 30;
export const DEFAULT_PORT = 179;
export const DEFAULT_FIB_PROTOCOL = 200;
export const DEFAULT_GR_RESTART_TIME = 120;
export const DEFAULT_GR_STALE_TIME = 120;

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    readonly source?: string,
  ) {
    super(
      `${source ? `${source}: ` : ''}invalid speaker configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** The YAML parser, loaded only for YAML files: a lab starts 100 speakers from JSON, each should start fast. */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text, { uniqueKeys: true });
}

/** Read and validate a configuration file; YAML unless the name ends in .json (YAML also reads JSON). */
export function loadSpeakerConfig(path: string): ResolvedSpeakerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read file: ${(err as Error).message}`], path);
  }
  return parseSpeakerConfig(text, path);
}

/** Parse text (JSON or YAML) and validate it. */
export function parseSpeakerConfig(text: string, source?: string): ResolvedSpeakerConfig {
  let raw: unknown;
  const isJson = source?.endsWith('.json') ?? /^\s*[{[]/.test(text);
  try {
    raw = isJson ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError([`not valid ${isJson ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`], source);
  }
  return validateSpeakerConfig(raw, source);
}

/** Validate an already parsed document; throws ConfigError listing every problem. */
export function validateSpeakerConfig(raw: unknown, source?: string): ResolvedSpeakerConfig {
  const v = new Validator();
  const out = v.config(raw);
  if (v.problems.length > 0 || !out) throw new ConfigError(v.problems, source);
  return out;
}

// ------------------------------------------------------------------------------------------ helpers

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(value);
  }
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * A strict dotted quad: four decimal octets 0-255 without leading zeros, which is already canonical.
 * The same set ipaddr.js's isValidFourPartDecimal accepts (a randomized test compares them), at a
 * tenth of the cost: a speaker checks every peer address of its configuration and every connection's.
 */
const DOTTED_QUAD = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Canonical IPv4 (strict dotted quad) or IPv6 (RFC 5952); undefined when not an address. */
export function canonicalAddress(s: string): { address: string; family: AddressFamily } | undefined {
  if (DOTTED_QUAD.test(s)) return { address: s, family: 'ipv4' };
  if (!s.includes(':') || s.includes('%')) return undefined;
  if (!ipaddr.IPv6.isValid(s)) return undefined;
  const a = ipaddr.IPv6.parse(s);
  if (a.isIPv4MappedAddress()) return undefined;
  return { address: a.toRFC5952String(), family: 'ipv6' };
}

type PrefixCheck = { prefix: string; family: AddressFamily } | { error: string };

/** Parse "addr/len" strictly: a valid address, a length in range, no host bits set. */
export function checkPrefix(s: string): PrefixCheck {
  const slash = s.indexOf('/');
  if (slash < 0) return { error: 'a prefix needs a length ("address/len")' };
  const addr = canonicalAddress(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!addr) return { error: `${show(s.slice(0, slash))} is not an IPv4 or IPv6 address` };
  const max = addr.family === 'ipv4' ? 32 : 128;
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) return { error: `length must be 0-${max}` };
  const len = Number(lenText);
  const parsed = ipaddr.parse(addr.address);
  const bytes = parsed.toByteArray();
  for (let bit = len; bit < max; bit++) {
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) {
      for (let b = len; b < max; b++) bytes[b >> 3] &= ~(0x80 >> (b & 7));
      const base = ipaddr.fromByteArray(bytes);
      const shown = base.kind() === 'ipv6' ? (base as ipaddr.IPv6).toRFC5952String() : base.toString();
      return { error: `host bits are set (did you mean ${shown}/${len}?)` };
    }
  }
  return { prefix: `${addr.address}/${len}`, family: addr.family };
}

const TOP_FIELDS = new Set([
  'routerId',
  'asn',
  'listen',
  'clusterId',
  'timers',
  'peers',
  'originate',
  'blackhole',
  'fib',
  'control',
  'eventLog',
  'name',
  'gracefulRestart',
  'advertisementIntervalMs',
]);
const PEER_FIELDS = new Set(['address', 'asn', 'rrClient', 'passive', 'port', 'timers', 'families', 'description']);
const TIMER_FIELDS = new Set(['hold', 'keepalive', 'connectRetry']);
const LISTEN_FIELDS = new Set(['addresses', 'port']);
const FIB_FIELDS = new Set(['protocol', 'table']);
const GR_FIELDS = new Set(['restartTime', 'staleTime']);
const TABLE_NAMES = new Set(['main', 'local', 'default']);

class Validator {
  problems: string[] = [];

  private bad(path: string, value: unknown, why: string): void {
    this.problems.push(`${path}: ${show(value)}: ${why}`);
  }

  private unknownFields(path: string, obj: Record<string, unknown>, known: Set<string>): void {
    for (const k of Object.keys(obj)) {
      if (!known.has(k)) this.problems.push(`${path ? `${path}.` : ''}${k}: unknown field (known: ${[...known].join(', ')})`);
    }
  }

  private bool(path: string, value: unknown, dflt: boolean): boolean {
    if (value === undefined) return dflt;
    if (typeof value !== 'boolean') {
      this.bad(path, value, 'must be true or false');
      return dflt;
    }
    return value;
  }

  private int(path: string, value: unknown, min: number, max: number, why: string): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.bad(path, value, why);
      return undefined;
    }
    return value;
  }

  private str(path: string, value: unknown): string | undefined {
    if (typeof value !== 'string' || value.length === 0) {
      this.bad(path, value, 'must be a non-empty string');
      return undefined;
    }
    return value;
  }

  private asn(path: string, value: unknown): number | undefined {
    // RFC 6793: 4-octet AS numbers; 0 is reserved (RFC 7607) and AS_TRANS (23456) is not a real AS.
    const n = this.int(path, value, 1, 4294967295, 'AS number must be an integer 1-4294967295 (RFC 6793; 0 is reserved, RFC 7607)');
    if (n === 23456) {
      this.bad(path, value, 'AS 23456 is AS_TRANS (RFC 6793 §9) and cannot be a speaker or peer AS');
      return undefined;
    }
    return n;
  }

  private ipv4Id(path: string, value: unknown, what: string): string | undefined {
    if (typeof value !== 'string' || !ipaddr.IPv4.isValidFourPartDecimal(value)) {
      this.bad(path, value, `${what} must be an IPv4 dotted quad (a 32-bit identifier, RFC 4271 §4.2)`);
      return undefined;
    }
    const canon = ipaddr.IPv4.parse(value).toString();
    if (canon === '0.0.0.0') {
      this.bad(path, value, `${what} must not be 0.0.0.0 (RFC 6286 §2.1)`);
      return undefined;
    }
    return canon;
  }

  timers(path: string, raw: unknown, base: ResolvedTimers): ResolvedTimers {
    if (raw === undefined) return { ...base };
    if (!isObject(raw)) {
      this.bad(path, raw, 'must be an object with hold, keepalive, connectRetry');
      return { ...base };
    }
    this.unknownFields(path, raw, TIMER_FIELDS);
    let hold = base.hold;
    let holdGiven = false;
    if (raw.hold !== undefined) {
      // RFC 4271 §4.2: the Hold Time MUST be either zero or at least three seconds.
      const h = this.int(`${path}.hold`, raw.hold, 0, 65535, 'hold time must be 0 or 3-65535 seconds (RFC 4271 §4.2)');
      if (h !== undefined && h > 0 && h < 3) {
        this.bad(`${path}.hold`, raw.hold, 'hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)');
      } else if (h !== undefined) {
        hold = h;
        holdGiven = true;
      }
    }
    // Keepalive defaults to a third of the hold time (RFC 4271 §10); an explicit one must be below it.
    let keepalive = holdGiven ? Math.floor(hold / 3) : base.keepalive;
    if (raw.keepalive !== undefined) {
      const k = this.int(`${path}.keepalive`, raw.keepalive, 0, 65535, 'keepalive must be an integer number of seconds');
      if (k !== undefined) {
        if (hold === 0 && k !== 0) {
          this.bad(`${path}.keepalive`, raw.keepalive, 'must be 0 (or omitted) when hold is 0: no keepalives are sent (RFC 4271 §4.4)');
        } else if (hold > 0 && (k === 0 || k >= hold)) {
          this.bad(`${path}.keepalive`, raw.keepalive, `must be 1 to less than the hold time ${hold} (RFC 4271 §4.4; usually hold/3)`);
        } else keepalive = k;
      }
    } else if (hold === 0) keepalive = 0;
    else if (keepalive >= hold || keepalive === 0) keepalive = Math.max(1, Math.floor(hold / 3));
    let connectRetry = base.connectRetry;
    if (raw.connectRetry !== undefined) {
      const c = this.int(`${path}.connectRetry`, raw.connectRetry, 1, 65535, 'connectRetry must be 1-65535 seconds (upper bound of the reconnect back-off)');
      if (c !== undefined) connectRetry = c;
    }
    return { hold, keepalive, connectRetry };
  }

  private families(path: string, raw: unknown): AddressFamily[] {
    if (raw === undefined) return ['ipv4', 'ipv6'];
    if (!Array.isArray(raw) || raw.length === 0) {
      this.bad(path, raw, 'must be a non-empty list of "ipv4" and/or "ipv6"');
      return ['ipv4', 'ipv6'];
    }
    const out: AddressFamily[] = [];
    raw.forEach((f, i) => {
      if (f !== 'ipv4' && f !== 'ipv6') this.bad(`${path}[${i}]`, f, 'family must be "ipv4" or "ipv6"');
      else if (out.includes(f)) this.bad(`${path}[${i}]`, f, 'family listed twice');
      else out.push(f);
    });
    return out;
  }

  config(raw: unknown): ResolvedSpeakerConfig | undefined {
    if (!isObject(raw)) {
      this.problems.push(`(top level): ${show(raw)}: must be an object (a mapping of fields)`);
      return undefined;
    }
    const c = raw as Record<string, unknown> & Partial<Record<keyof SpeakerConfig, unknown>>;
    this.unknownFields('', c, TOP_FIELDS);

    const routerId = c.routerId === undefined ? (this.problems.push('routerId: missing (required)'), undefined) : this.ipv4Id('routerId', c.routerId, 'router id');
    const asn = c.asn === undefined ? (this.problems.push('asn: missing (required)'), undefined) : this.asn('asn', c.asn);

    let clusterId: string | null = null;
    if (c.clusterId !== undefined && c.clusterId !== null) {
      // RFC 4456 §7: CLUSTER_ID is 4 octets; accept a dotted quad or a 32-bit integer.
      if (typeof c.clusterId === 'number' && Number.isInteger(c.clusterId) && c.clusterId > 0 && c.clusterId <= 0xffffffff) {
        const n = c.clusterId;
        clusterId = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
      } else clusterId = this.ipv4Id('clusterId', c.clusterId, 'cluster id (RFC 4456 §7)') ?? null;
    }

    const listen = { addresses: [] as string[], port: DEFAULT_PORT };
    if (c.listen !== undefined) {
      if (!isObject(c.listen)) this.bad('listen', c.listen, 'must be an object with addresses and/or port');
      else {
        this.unknownFields('listen', c.listen, LISTEN_FIELDS);
        if (c.listen.port !== undefined) {
          const p = this.int('listen.port', c.listen.port, 1, 65535, 'TCP port must be 1-65535');
          if (p !== undefined) listen.port = p;
        }
        if (c.listen.addresses !== undefined) {
          if (!Array.isArray(c.listen.addresses)) this.bad('listen.addresses', c.listen.addresses, 'must be a list of IP addresses');
          else
            c.listen.addresses.forEach((a, i) => {
              const ca = typeof a === 'string' ? canonicalAddress(a) : undefined;
              if (!ca) this.bad(`listen.addresses[${i}]`, a, 'not an IPv4 or IPv6 address');
              else if (listen.addresses.includes(ca.address)) this.bad(`listen.addresses[${i}]`, a, 'listed twice');
              else listen.addresses.push(ca.address);
            });
        }
      }
    }

    const timers = this.timers('timers', c.timers, { hold: DEFAULT_HOLD, keepalive: DEFAULT_HOLD / 3, connectRetry: DEFAULT_CONNECT_RETRY });

    const peers: ResolvedPeer[] = [];
    if (c.peers === undefined) this.problems.push('peers: missing (required; may be an empty list)');
    else if (!Array.isArray(c.peers)) this.bad('peers', c.peers, 'must be a list of peers');
    else {
      const seen = new Map<string, number>();
      c.peers.forEach((p, i) => {
        const path = `peers[${i}]`;
        if (!isObject(p)) {
          this.bad(path, p, 'must be an object with at least address and asn');
          return;
        }
        this.unknownFields(path, p, PEER_FIELDS);
        let address: { address: string; family: AddressFamily } | undefined;
        if (p.address === undefined) this.problems.push(`${path}.address: missing (required)`);
        else {
          address = typeof p.address === 'string' ? canonicalAddress(p.address) : undefined;
          if (!address) this.bad(`${path}.address`, p.address, 'not an IPv4 or IPv6 address');
          else if (seen.has(address.address)) {
            this.bad(`${path}.address`, p.address, `duplicate peer (same address as peers[${seen.get(address.address)}])`);
            address = undefined;
          } else {
            const a = ipaddr.parse(address.address);
            const range = a.range();
            if (['unspecified', 'multicast', 'broadcast'].includes(range)) {
              this.bad(`${path}.address`, p.address, `a ${range} address cannot be a BGP peer`);
              address = undefined;
            } else seen.set(address.address, i);
          }
        }
        const pasn = p.asn === undefined ? (this.problems.push(`${path}.asn: missing (required)`), undefined) : this.asn(`${path}.asn`, p.asn);
        const rrClient = this.bool(`${path}.rrClient`, p.rrClient, false);
        if (rrClient && clusterId === null && c.clusterId === undefined) {
          this.bad(`${path}.rrClient`, p.rrClient, 'a route-reflector client needs clusterId set at the top level (this speaker must be a reflector, RFC 4456 §7)');
        }
        if (rrClient && pasn !== undefined && asn !== undefined && pasn !== asn) {
          this.bad(`${path}.rrClient`, p.rrClient, `route reflection is for iBGP peers (RFC 4456 §2), but this peer's asn ${pasn} differs from ours (${asn})`);
        }
        const passive = this.bool(`${path}.passive`, p.passive, false);
        let port = DEFAULT_PORT;
        if (p.port !== undefined) port = this.int(`${path}.port`, p.port, 1, 65535, 'TCP port must be 1-65535') ?? DEFAULT_PORT;
        const ptimers = this.timers(`${path}.timers`, p.timers, timers);
        const families = this.families(`${path}.families`, p.families);
        let description: string | null = null;
        if (p.description !== undefined) {
          if (typeof p.description !== 'string') this.bad(`${path}.description`, p.description, 'must be a string');
          else description = p.description;
        }
        if (address && pasn !== undefined && asn !== undefined) {
          peers.push({
            address: address.address,
            addressFamily: address.family,
            asn: pasn,
            type: pasn === asn ? 'ibgp' : 'ebgp',
            rrClient,
            passive,
            port,
            timers: ptimers,
            families,
            description,
          });
        }
      });
    }

    const originate = { ipv4: [] as string[], ipv6: [] as string[] };
    if (c.originate !== undefined) {
      if (!Array.isArray(c.originate)) this.bad('originate', c.originate, 'must be a list of prefixes');
      else
        c.originate.forEach((s, i) => {
          const path = `originate[${i}]`;
          if (typeof s !== 'string') return this.bad(path, s, 'must be a prefix string like 10.244.1.0/26');
          const r = checkPrefix(s);
          if ('error' in r) return this.bad(path, s, r.error);
          if (originate[r.family].includes(r.prefix)) return this.bad(path, s, 'prefix listed twice');
          originate[r.family].push(r.prefix);
        });
    }
    const blackhole = this.bool('blackhole', c.blackhole, true);

    let fib: ResolvedFib | null = null;
    if (c.fib === true) fib = { protocol: DEFAULT_FIB_PROTOCOL, table: 'main' };
    else if (c.fib === undefined || c.fib === false) fib = null;
    else if (!isObject(c.fib)) this.bad('fib', c.fib, 'must be true, false or an object with protocol and table');
    else {
      this.unknownFields('fib', c.fib, FIB_FIELDS);
      fib = { protocol: DEFAULT_FIB_PROTOCOL, table: 'main' };
      const pr = c.fib.protocol;
      if (pr !== undefined) {
        if (typeof pr === 'number') {
          // 0-4 are the kernel's own (unspec, redirect, kernel, boot, static): never ours to flush.
          const n = this.int('fib.protocol', pr, 5, 255, 'route protocol id must be 5-255 (0-4 belong to the kernel: unspec, redirect, kernel, boot, static)');
          if (n !== undefined) fib.protocol = n;
        } else if (typeof pr === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,30}$/.test(pr)) {
          if (['unspec', 'redirect', 'kernel', 'boot', 'static'].includes(pr)) this.bad('fib.protocol', pr, 'this protocol belongs to the kernel, not to a routing daemon');
          else fib.protocol = pr;
        } else this.bad('fib.protocol', pr, 'route protocol must be an id 5-255 or a name from /etc/iproute2/rt_protos');
      }
      const tb = c.fib.table;
      if (tb !== undefined) {
        if (typeof tb === 'number') {
          const n = this.int('fib.table', tb, 1, 4294967295, 'table id must be 1-4294967295');
          if (n !== undefined) fib.table = n;
        } else if (typeof tb === 'string' && (TABLE_NAMES.has(tb) || /^[A-Za-z][A-Za-z0-9_.-]{0,30}$/.test(tb))) fib.table = tb;
        else this.bad('fib.table', tb, 'table must be an id or a name (main, local, default or from rt_tables)');
      }
    }

    const control = c.control === undefined ? null : (this.str('control', c.control) ?? null);
    if (control && Buffer.byteLength(control) > 107) this.bad('control', control, 'unix socket paths are limited to 107 bytes');
    const eventLog = c.eventLog === undefined ? null : (this.str('eventLog', c.eventLog) ?? null);
    const name = c.name === undefined ? undefined : this.str('name', c.name);

    let gracefulRestart: ResolvedSpeakerConfig['gracefulRestart'] = { restartTime: DEFAULT_GR_RESTART_TIME, staleTime: DEFAULT_GR_STALE_TIME };
    if (c.gracefulRestart === false) gracefulRestart = null;
    else if (c.gracefulRestart !== undefined && c.gracefulRestart !== true) {
      if (!isObject(c.gracefulRestart)) this.bad('gracefulRestart', c.gracefulRestart, 'must be false or an object with restartTime and/or staleTime');
      else {
        this.unknownFields('gracefulRestart', c.gracefulRestart, GR_FIELDS);
        const g = c.gracefulRestart;
        if (g.restartTime !== undefined) {
          gracefulRestart.restartTime =
            this.int('gracefulRestart.restartTime', g.restartTime, 0, 4095, 'Restart Time must be 0-4095 seconds (12 bits, RFC 4724 §3)') ?? DEFAULT_GR_RESTART_TIME;
        }
        if (g.staleTime !== undefined) {
          gracefulRestart.staleTime = this.int('gracefulRestart.staleTime', g.staleTime, 0, 65535, 'stale route time must be 0-65535 seconds') ?? DEFAULT_GR_STALE_TIME;
        }
      }
    }

    const advertisementIntervalMs =
      c.advertisementIntervalMs === undefined
        ? 0
        : (this.int('advertisementIntervalMs', c.advertisementIntervalMs, 0, 600_000, 'advertisement interval must be 0-600000 ms (RFC 4271 §9.2.1.1; 0 sends at once)') ?? 0);

    if (routerId === undefined || asn === undefined) return undefined;
    return {
      name: name ?? routerId,
      routerId,
      asn,
      listen,
      clusterId,
      timers,
      peers,
      originate,
      blackhole,
      fib,
      control,
      eventLog,
      gracefulRestart,
      advertisementIntervalMs,
    };
  }
}
