/** Pure parsers of what measurement reads: event logs, ip monitor, ping, /proc, BIRD replies and logs. */
import { describe, expect, it } from 'vitest';
import {
  birdLineText,
  foldPing,
  isBirdReplyEnd,
  parseBirdLogLine,
  parseBirdNeighbors,
  parseBirdProtocols,
  parseBirdRouteCount,
  parseBirdRoutes,
  parseBirdStartedLine,
  parseEventLine,
  parseIpMonitorLine,
  parseIpRouteJson,
  parseKbField,
  parsePingLine,
  parseStatCpuTicks,
  peerFromBirdProtocolName,
  splitLines,
} from '../../src/measure/parse.js';

describe('speaker event log', () => {
  it('reads route, fib and session events with their monotonic stamp', () => {
    const r = parseEventLine('{"ts":"2026-01-01T00:00:00.000Z","mono":"123456789012","node":"n1","event":"route","op":"add","family":"ipv4","prefix":"10.244.0.64/26","nextHop":"10.0.0.3","peer":"10.0.0.1"}');
    expect(r).toMatchObject({ mono: 123456789012n, node: 'n1', event: 'route', op: 'add', prefixes: ['10.244.0.64/26'] });
    const f = parseEventLine('{"ts":"x","mono":"5","node":"n1","event":"fib","op":"del","family":"ipv6","prefixes":["fd00::/122","fd00::40/122"]}');
    expect(f?.prefixes).toEqual(['fd00::/122', 'fd00::40/122']);
    const s = parseEventLine('{"ts":"x","mono":"7","node":"n1","event":"session","peer":"10.0.0.2","state":"Idle","prev":"Established","reason":"hold timer expired"}');
    expect(s).toMatchObject({ peer: '10.0.0.2', state: 'Idle', prev: 'Established' });
  });
  it('reads the start-up CPU a speaker records when it listens, and ignores a nonsensical one', () => {
    const l = parseEventLine('{"ts":"x","mono":"9","node":"n1","event":"listening","addresses":["::"],"port":179,"cpuMs":84.2}');
    expect(l).toMatchObject({ event: 'listening', cpuMs: 84.2 });
    expect(parseEventLine('{"ts":"x","mono":"9","node":"n1","event":"listening","cpuMs":-3}')?.cpuMs).toBeUndefined();
    expect(parseEventLine('{"ts":"x","mono":"9","node":"n1","event":"listening","cpuMs":"84"}')?.cpuMs).toBeUndefined();
    expect(parseEventLine('{"ts":"x","mono":"9","node":"n1","event":"listening"}')?.cpuMs).toBeUndefined();
  });
  it('skips partial, foreign and malformed lines', () => {
    expect(parseEventLine('{"ts":"x","mono":"12')).toBeUndefined();
    expect(parseEventLine('hello')).toBeUndefined();
    expect(parseEventLine('{"mono":"-1","event":"x"}')).toBeUndefined();
    expect(parseEventLine('{"mono":"1","event":"route","op":"swap","prefix":"1.0.0.0/8"}')).toBeUndefined();
    expect(parseEventLine('{"mono":"1","event":"fib","op":"add","prefixes":[1]}')).toBeUndefined();
  });
  it('keeps an unterminated last line for the next read', () => {
    const [a, rest] = splitLines('', 'one\ntwo\nthr');
    expect(a).toEqual(['one', 'two']);
    const [b, rest2] = splitLines(rest, 'ee\n');
    expect(b).toEqual(['three']);
    expect(rest2).toBe('');
  });
});

describe('ip -ts monitor route', () => {
  it('parses adds, deletions, types, tables and IPv6', () => {
    const a = parseIpMonitorLine('[2026-11-28T16:30:03.220606] 10.96.0.0/26 via 10.99.0.2 dev p0 proto 200 ');
    expect(a).toMatchObject({ deleted: false, dst: '10.96.0.0/26', type: 'unicast', via: '10.99.0.2', proto: '200', table: 'main', metric: 0 });
    expect(a!.wallMs! % 1000).toBeCloseTo(220.606, 3);
    expect(parseIpMonitorLine('[2026-11-28T16:30:03.223902] Deleted 10.96.0.0/26 via 10.99.0.3 dev p0 proto 200 metric 5')).toMatchObject({ deleted: true, metric: 5 });
    expect(parseIpMonitorLine('blackhole 10.97.0.0/26 proto bird')).toMatchObject({ type: 'blackhole', dst: '10.97.0.0/26' });
    expect(parseIpMonitorLine('local fd00::1 dev p0 table local proto kernel metric 0 pref medium')).toMatchObject({ type: 'local', dst: 'fd00::1/128', table: 'local' });
    expect(parseIpMonitorLine('FD00:1::/122 via fd00::2 dev p0 proto bird metric 1024 pref medium')).toMatchObject({ dst: 'fd00:1::/122', via: 'fd00::2' });
    expect(parseIpMonitorLine('\tnexthop via 10.0.0.1 dev eth1 weight 1')).toBeUndefined();
    expect(parseIpMonitorLine('Timestamp: Sat Nov 28 2026')).toBeUndefined();
    expect(parseIpMonitorLine('')).toBeUndefined();
  });
  it('parses ip -j route dumps and survives garbage', () => {
    const r = parseIpRouteJson('[{"type":"blackhole","dst":"10.97.0.0/26","flags":[]},{"dst":"10.0.0.0/16","dev":"eth1"},{"dst":"default","gateway":"10.0.0.1"}]', false);
    expect(r.map((x) => [x.dst, x.type])).toEqual([['10.97.0.0/26', 'blackhole'], ['10.0.0.0/16', 'unicast'], ['0.0.0.0/0', 'unicast']]);
    expect(parseIpRouteJson('{', false)).toEqual([]);
    expect(parseIpRouteJson('', true)).toEqual([]);
  });
});

describe('ping -D -O', () => {
  it('gives one verdict per sequence; a late reply counts as answered', () => {
    const lines = [
      '[1795883407.580452] no answer yet for icmp_seq=1',
      '[1795883407.590000] 64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=10.1 ms',
      '[1795883407.604444] no answer yet for icmp_seq=2',
      '[1795883407.681911] 64 bytes from 10.99.0.1: icmp_seq=3 ttl=64 time=0.394 ms',
      '[1795883407.700000] From 10.244.0.1 icmp_seq=4 Destination Host Unreachable',
      'PING 10.99.0.1 (10.99.0.1) from 10.244.0.1 : 56(84) bytes of data.',
    ]
      .map(parsePingLine)
      .filter((x) => x !== undefined);
    const v = foldPing(lines);
    expect(v.map((x) => [x.seq, x.ok])).toEqual([[1, true], [2, false], [3, true], [4, false]]);
  });
  it('unwraps the 16-bit sequence', () => {
    const v = foldPing([
      { wallMs: 1, seq: 65535, ok: true },
      { wallMs: 2, seq: 0, ok: true },
      { wallMs: 3, seq: 1, ok: false },
    ]);
    expect(v.map((x) => x.seq)).toEqual([65535, 65536, 65537]);
  });
});

describe('/proc', () => {
  it('reads utime+stime after a comm with spaces and parentheses', () => {
    const stat = '1234 (bird (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 17 5 0 0 20 0 1 0 99 1000 200 18446744073709551615';
    expect(parseStatCpuTicks(stat)).toBe(22);
    expect(parseStatCpuTicks('garbage')).toBeUndefined();
  });
  it('reads kB fields in bytes', () => {
    expect(parseKbField('Name:\tbird\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n', 'VmHWM')).toBe(5120 * 1024);
    expect(parseKbField('Rss: 10 kB\nPss:                1400 kB\n', 'Pss')).toBe(1400 * 1024);
    expect(parseKbField('', 'Pss')).toBeUndefined();
  });
});

describe('BIRD control socket replies and log', () => {
  const count = ['1007-12 of 14 routes for 12 networks in table master4', ' 10 of 10 routes for 10 networks in table master6', '0014 Total: 24 of 24 routes for 22 networks in 2 tables'];
  it('frames replies and counts networks per table', () => {
    expect(isBirdReplyEnd('0000 ')).toBe(true);
    expect(isBirdReplyEnd('0014 Total: 1 of 1')).toBe(true);
    expect(isBirdReplyEnd('1007-Table master4:')).toBe(false);
    expect(isBirdReplyEnd(' kernel1 Kernel')).toBe(false);
    expect(birdLineText('1007-Table master4:')).toBe('Table master4:');
    expect(parseBirdRouteCount(count)).toEqual({ master4: 12, master6: 10 });
  });
  it('lists networks of show route', () => {
    const lines = ['1007-Table master4:', ' 10.244.0.0/26        blackhole [static1 16:30:17.726] * (200)', '                     unicast [rr2 16:30:18] (100) [i]', '1008-\tType: static univ', ' 10.244.0.64/26       unicast [rr1 16:30:18] * (100) [i]', '0000 '];
    expect(parseBirdRoutes(lines)).toEqual(['10.244.0.0/26', '10.244.0.64/26']);
  });
  it('reads protocol states and neighbour addresses', () => {
    const protos = ['2002-Name       Proto      Table      State  Since         Info', '1002-device1    Device     ---        up     16:30:17.726  ', ' Node_10_0_0_2 BGP        ---        up     2026-11-28 16:37:42  Established   ', ' peer2      BGP        ---        start  16:30:17.726  Active        Socket: No route to host', '0000 '];
    expect(parseBirdProtocols(protos).filter((p) => p.proto === 'BGP').map((p) => [p.name, p.state, p.info])).toEqual([
      ['Node_10_0_0_2', 'up', 'Established'],
      ['peer2', 'start', 'Active Socket: No route to host'],
    ]);
    const all = ['2002-Name  Proto Table State Since Info', '1002-kernel1    Kernel     master4    up     16:30:17.726  ', '1006-  Channel ipv4', '1002-peer1      BGP        ---        start  16:30:17.726  Active', '1006-  BGP state:          Active', '     Neighbor address: 10.99.0.2', '1002-peer2      BGP        ---        up  16:30:17.726  Established', '1006-  BGP state:          Established', '     Neighbor address: fe80::1%eth1', '0000 '];
    expect([...parseBirdNeighbors(all)]).toEqual([['peer1', '10.99.0.2'], ['peer2', 'fe80::1']]);
  });
  it('reads state changes and the start line from BIRD’s log', () => {
    const e = parseBirdLogLine('2026-11-28 16:42:00.837 <TRACE> Node_10_0_0_2: State changed to up');
    expect(e).toMatchObject({ proto: 'Node_10_0_0_2', state: 'up' });
    expect(e!.wallMs % 1000).toBe(837);
    expect(parseBirdLogLine('2026-11-28 16:42:00.837 <TRACE> Node_10_0_0_2: Initializing')).toBeUndefined();
    expect(parseBirdStartedLine('2026-11-28 16:42:00.062 <INFO> Started')! % 1000).toBe(62);
    expect(peerFromBirdProtocolName('Node_10_0_0_2')).toBe('10.0.0.2');
    expect(peerFromBirdProtocolName('kernel4')).toBeUndefined();
  });
});
