import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  canonicalAddress,
  checkPrefix,
  loadSpeakerConfig,
  parseSpeakerConfig,
  validateSpeakerConfig,
} from '../../src/speaker/config.js';

const base = {
  routerId: '10.0.0.1',
  asn: 64512,
  peers: [{ address: '10.0.0.2', asn: 64512 }],
};

function problems(doc: unknown): string[] {
  try {
    validateSpeakerConfig(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('speaker config: defaults', () => {
  it('applies lab defaults: hold 90, keepalive 30, connectRetry 30, port 179, both families, blackhole on', () => {
    const c = validateSpeakerConfig(base);
    expect(c.name).toBe('10.0.0.1');
    expect(c.listen).toEqual({ addresses: [], port: 179 });
    expect(c.clusterId).toBeNull();
    expect(c.fib).toBeNull();
    expect(c.blackhole).toBe(true);
    expect(c.peers[0]).toMatchObject({
      address: '10.0.0.2',
      addressFamily: 'ipv4',
      type: 'ibgp',
      rrClient: false,
      passive: false,
      port: 179,
      timers: { hold: 90, keepalive: 30, connectRetry: 30 },
      families: ['ipv4', 'ipv6'],
    });
  });

  it('derives keepalive from hold (hold/3) and lets peers override the global timers', () => {
    const c = validateSpeakerConfig({
      ...base,
      timers: { hold: 9 },
      peers: [
        { address: '10.0.0.2', asn: 64512 },
        { address: 'FD00:0:0::2', asn: 65001, timers: { hold: 30, keepalive: 5, connectRetry: 2 } },
        { address: '10.0.0.4', asn: 64512, timers: { hold: 0 } },
      ],
    });
    expect(c.timers).toEqual({ hold: 9, keepalive: 3, connectRetry: 30 });
    expect(c.peers[0].timers).toEqual({ hold: 9, keepalive: 3, connectRetry: 30 });
    expect(c.peers[1]).toMatchObject({ address: 'fd00::2', addressFamily: 'ipv6', type: 'ebgp', timers: { hold: 30, keepalive: 5, connectRetry: 2 } });
    expect(c.peers[2].timers).toEqual({ hold: 0, keepalive: 0, connectRetry: 30 });
  });

  it('resolves fib true to protocol 200 in the main table, and canonicalises prefixes per family', () => {
    const c = validateSpeakerConfig({
      ...base,
      clusterId: 167772260,
      fib: true,
      originate: ['10.244.1.0/26', 'FD00:10:244:0:0:0:0:0/122'],
      listen: { addresses: ['10.0.0.1', 'fd00::1'], port: 1179 },
    });
    expect(c.clusterId).toBe('10.0.0.100');
    expect(c.fib).toEqual({ protocol: 200, table: 'main' });
    expect(c.originate).toEqual({ ipv4: ['10.244.1.0/26'], ipv6: ['fd00:10:244::/122'] });
    expect(c.listen).toEqual({ addresses: ['10.0.0.1', 'fd00::1'], port: 1179 });
  });
});

describe('speaker config: errors name the field, the value and why', () => {
  it('refuses a bad router id, AS out of range and AS_TRANS', () => {
    const p = problems({ routerId: '10.0.0.256', asn: 4294967296, peers: [{ address: '10.0.0.2', asn: 23456 }] });
    expect(p).toContainEqual(expect.stringMatching(/^routerId: "10\.0\.0\.256": router id must be an IPv4 dotted quad/));
    expect(p).toContainEqual(expect.stringMatching(/^asn: 4294967296: AS number must be an integer 1-4294967295/));
    expect(p).toContainEqual(expect.stringMatching(/^peers\[0\]\.asn: 23456: AS 23456 is AS_TRANS/));
    expect(problems({ ...base, routerId: '0.0.0.0' })).toContainEqual(expect.stringMatching(/routerId: "0\.0\.0\.0": .*RFC 6286/));
    expect(problems({ ...base, asn: 0 })).toContainEqual(expect.stringMatching(/^asn: 0: .*reserved/));
  });

  it('refuses hold 1 and 2 (RFC 4271 §4.2) and a keepalive not below hold', () => {
    expect(problems({ ...base, timers: { hold: 2 } })).toEqual([expect.stringMatching(/^timers\.hold: 2: hold time must be 0 or at least 3 seconds \(RFC 4271 §4\.2\)/)]);
    expect(problems({ ...base, peers: [{ address: '10.0.0.2', asn: 64512, timers: { hold: 1 } }] })).toEqual([
      expect.stringMatching(/^peers\[0\]\.timers\.hold: 1: /),
    ]);
    expect(problems({ ...base, timers: { hold: 9, keepalive: 9 } })).toEqual([expect.stringMatching(/^timers\.keepalive: 9: must be 1 to less than the hold time 9/)]);
    expect(problems({ ...base, timers: { hold: 0, keepalive: 3 } })).toEqual([expect.stringMatching(/^timers\.keepalive: 3: must be 0/)]);
  });

  it('refuses rrClient without clusterId, and rrClient on an eBGP peer', () => {
    expect(problems({ ...base, peers: [{ address: '10.0.0.2', asn: 64512, rrClient: true }] })).toEqual([
      expect.stringMatching(/^peers\[0\]\.rrClient: true: a route-reflector client needs clusterId/),
    ]);
    expect(problems({ ...base, clusterId: '1.1.1.1', peers: [{ address: '10.0.0.2', asn: 65000, rrClient: true }] })).toEqual([
      expect.stringMatching(/^peers\[0\]\.rrClient: true: route reflection is for iBGP peers/),
    ]);
  });

  it('refuses duplicate peers (also when written differently) and non-addresses', () => {
    const p = problems({
      ...base,
      peers: [
        { address: 'fd00::2', asn: 64512 },
        { address: 'fd00:0::2', asn: 64512 },
        { address: 'node-2', asn: 64512 },
        { address: '224.0.0.5', asn: 64512 },
      ],
    });
    expect(p).toContainEqual('peers[1].address: "fd00:0::2": duplicate peer (same address as peers[0])');
    expect(p).toContainEqual('peers[2].address: "node-2": not an IPv4 or IPv6 address');
    expect(p).toContainEqual('peers[3].address: "224.0.0.5": a multicast address cannot be a BGP peer');
  });

  it('refuses prefixes with host bits, bad lengths and duplicates, suggesting the network', () => {
    const p = problems({ ...base, originate: ['10.244.1.1/26', '10.244.2.0/33', 'fd00::1/64', '10.244.3.0/26', '10.244.3.0/26', 'x/8', '10.0.0.0'] });
    expect(p).toContainEqual('originate[0]: "10.244.1.1/26": host bits are set (did you mean 10.244.1.0/26?)');
    expect(p).toContainEqual('originate[1]: "10.244.2.0/33": length must be 0-32');
    expect(p).toContainEqual('originate[2]: "fd00::1/64": host bits are set (did you mean fd00::/64?)');
    expect(p).toContainEqual('originate[4]: "10.244.3.0/26": prefix listed twice');
    expect(p).toContainEqual('originate[5]: "x/8": "x" is not an IPv4 or IPv6 address');
    expect(p).toContainEqual('originate[6]: "10.0.0.0": a prefix needs a length ("address/len")');
  });

  it('refuses unknown fields (typos), wrong types and missing required fields, all at once', () => {
    const p = problems({ routerID: '10.0.0.1', asn: '64512', peers: [{ adress: '10.0.0.2', asn: 64512, passive: 'yes' }], fib: { protocol: 3 }, blackhole: 1 });
    expect(p).toContainEqual(expect.stringMatching(/^routerID: unknown field/));
    expect(p).toContainEqual('routerId: missing (required)');
    expect(p).toContainEqual(expect.stringMatching(/^asn: "64512": AS number must be an integer/));
    expect(p).toContainEqual(expect.stringMatching(/^peers\[0\]\.adress: unknown field/));
    expect(p).toContainEqual('peers[0].address: missing (required)');
    expect(p).toContainEqual('peers[0].passive: "yes": must be true or false');
    expect(p).toContainEqual(expect.stringMatching(/^fib\.protocol: 3: route protocol id must be 5-255/));
    expect(p).toContainEqual('blackhole: 1: must be true or false');
  });

  it('refuses bad listen addresses, ports and families', () => {
    const p = problems({ ...base, listen: { addresses: ['10.0.0.1', '10.0.0.01.2'], port: 70000 }, peers: [{ address: '10.0.0.2', asn: 64512, families: ['ipv4', 'ipv5'], port: 0 }] });
    expect(p).toContainEqual('listen.port: 70000: TCP port must be 1-65535');
    expect(p).toContainEqual('listen.addresses[1]: "10.0.0.01.2": not an IPv4 or IPv6 address');
    expect(p).toContainEqual('peers[0].families[1]: "ipv5": family must be "ipv4" or "ipv6"');
    expect(p).toContainEqual('peers[0].port: 0: TCP port must be 1-65535');
  });
});

describe('speaker config: files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgplab-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML and JSON files', () => {
    writeFileSync(join(dir, 'a.yaml'), 'routerId: 10.0.0.1\nasn: 64512\npeers:\n  - address: 10.0.0.2\n    asn: 64512\n    passive: true\n');
    writeFileSync(join(dir, 'a.json'), JSON.stringify(base));
    expect(loadSpeakerConfig(join(dir, 'a.yaml')).peers[0].passive).toBe(true);
    expect(loadSpeakerConfig(join(dir, 'a.json')).peers[0].address).toBe('10.0.0.2');
  });

  it('names the file in errors, also for unparsable text and a missing file', () => {
    writeFileSync(join(dir, 'bad.json'), '{"routerId": ');
    expect(() => loadSpeakerConfig(join(dir, 'bad.json'))).toThrow(/bad\.json: [^]*not valid JSON/);
    expect(() => loadSpeakerConfig(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: [^]*cannot read file/);
    expect(() => parseSpeakerConfig('a: [1\n', 'x.yaml')).toThrow(/x\.yaml: [^]*not valid YAML/);
    expect(() => parseSpeakerConfig('a: 1\na: 2\n', 'dup.yaml')).toThrow(/not valid YAML/);
  });
});

describe('prefix check', () => {
  it('accepts the default route and host routes', () => {
    expect(checkPrefix('0.0.0.0/0')).toEqual({ prefix: '0.0.0.0/0', family: 'ipv4' });
    expect(checkPrefix('::/0')).toEqual({ prefix: '::/0', family: 'ipv6' });
    expect(checkPrefix('fd00::1/128')).toEqual({ prefix: 'fd00::1/128', family: 'ipv6' });
  });

});

describe('speaker config: graceful restart (RFC 4724)', () => {
  it('is on by default (restart time 120 s, stale time 120 s), can be tuned or switched off', () => {
    expect(validateSpeakerConfig(base).gracefulRestart).toEqual({ restartTime: 120, staleTime: 120 });
    expect(validateSpeakerConfig({ ...base, gracefulRestart: { restartTime: 30, staleTime: 10 } }).gracefulRestart).toEqual({ restartTime: 30, staleTime: 10 });
    expect(validateSpeakerConfig({ ...base, gracefulRestart: false }).gracefulRestart).toBeNull();
  });

  it('refuses a Restart Time beyond 12 bits, a negative stale time and unknown fields, naming them', () => {
    expect(problems({ ...base, gracefulRestart: { restartTime: 4096, staleTime: -1, restart: 5 } })).toEqual([
      'gracefulRestart.restart: unknown field (known: restartTime, staleTime)',
      'gracefulRestart.restartTime: 4096: Restart Time must be 0-4095 seconds (12 bits, RFC 4724 §3)',
      'gracefulRestart.staleTime: -1: stale route time must be 0-65535 seconds',
    ]);
    expect(problems({ ...base, gracefulRestart: 'yes' })).toEqual(['gracefulRestart: "yes": must be false or an object with restartTime and/or staleTime']);
  });
});

describe('speaker config: advertisement interval (RFC 4271 §9.2.1.1)', () => {
  it('defaults to 0 (send at once) and takes milliseconds', () => {
    expect(validateSpeakerConfig(base).advertisementIntervalMs).toBe(0);
    expect(validateSpeakerConfig({ ...base, advertisementIntervalMs: 100 }).advertisementIntervalMs).toBe(100);
  });

  it('refuses negative, fractional, too large and non-numeric values, naming the field', () => {
    for (const v of [-1, 1.5, 600_001, '100']) {
      expect(problems({ ...base, advertisementIntervalMs: v })).toEqual([
        `advertisementIntervalMs: ${JSON.stringify(v)}: advertisement interval must be 0-600000 ms (RFC 4271 §9.2.1.1; 0 sends at once)`,
      ]);
    }
  });
});

describe('canonicalAddress: IPv4', () => {
  // Our dotted-quad pattern replaced ipaddr.js's isValidFourPartDecimal + parse + toString: it must accept
  // exactly what ipaddr.js accepted and give the same text.
  const viaIpaddr = (x: string): string | undefined => (ipaddr.IPv4.isValidFourPartDecimal(x) ? ipaddr.IPv4.parse(x).toString() : undefined);
  const ipv4 = (x: string): string | undefined => {
    const c = canonicalAddress(x);
    return c?.family === 'ipv4' ? c.address : undefined;
  };

  it('accepts strict dotted quads and refuses the rest, as ipaddr.js does', () => {
    for (const x of ['10.0.0.3', '0.0.0.0', '255.255.255.255', '1.2.3.4', '100.64.0.1']) expect(ipv4(x), x).toBe(x);
    for (const x of ['010.0.0.1', '1.2.3.04', '256.1.1.1', '1.2.3', '1.2.3.4.5', '0x1.2.3.4', ' 1.2.3.4', '1.2.3.4 ', '1..2.3', '']) {
      expect(ipv4(x), x).toBeUndefined();
      expect(viaIpaddr(x), x).toBeUndefined();
    }
  });

  it('agrees with ipaddr.js on random strings of digits and dots', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{1,4}$/));
    const candidate = fc.oneof(
      fc.array(octet, { minLength: 3, maxLength: 5 }).map((parts) => parts.join('.')),
      fc.stringMatching(/^[0-9.]{0,16}$/),
    );
    fc.assert(
      fc.property(candidate, (x) => {
        expect(ipv4(x)).toBe(viaIpaddr(x));
      }),
      { numRuns: 5000 },
    );
  });
});
