/** Parsers of /proc/net/route and /proc/net/ipv6_route (src/fib/proc-routes.ts), on lines as kernel 6.18 prints them. */
import { describe, expect, it } from 'vitest';
import { parseIpv4Routes, parseIpv6Routes, RTF_GATEWAY, RTF_REJECT } from '../../src/fib/index.js';

describe('/proc/net route tables', () => {
  it('reads IPv4 rows in network order from host-order words, and marks a line it cannot read', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth1\t00F40A0A\t0500000A\t0003\t0\t0\t0\tC0FFFFFF\t0\t0\t0',
      '*\tC004F40A\t00000000\t0001\t0\t0\t0\tC0FFFFFF\t0\t0\t0',
      'eth1\t0000000A\t00000000\tzz\t0',
      '',
    ].join('\n');
    const rows = parseIpv4Routes(text, true);
    expect(rows[0]).toEqual({ readable: true, iface: 'eth1', destination: 0x0a0af400, gateway: 0x0a000005, mask: 0xffffffc0, flags: 3 });
    expect(rows[0].flags & RTF_GATEWAY).toBe(RTF_GATEWAY);
    expect(rows[1]).toMatchObject({ readable: true, iface: '*', destination: 0x0af404c0 });
    expect(rows[2].readable).toBe(false);
    expect(rows).toHaveLength(3);
    // A big-endian host prints the words as they are.
    expect(parseIpv4Routes(`${text.split('\n')[0]}\neth1\t0A0AF400\t0A000005\t0003\t0\t0\t0\tFFFFFFC0\n`, false)[0].destination).toBe(0x0a0af400);
  });

  it('reads IPv6 rows: blackhole, null entry, a route via a next hop', () => {
    const rows = parseIpv6Routes(
      [
        'fd0000100244000000000000000004c0 7a 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo',
        '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
        'fd001002440000000000000000000000 7a 00000000000000000000000000000000 00 fd000000000000000000000000000005 00000400 00000001 00000000 00000003     eth1',
        'fd00 40 0 00 0 00000100 00000003 00000000 xyz eth1',
        '',
      ].join('\n'),
    );
    expect(rows.map((r) => r.readable)).toEqual([true, true, true, false]);
    expect(rows[0]).toMatchObject({ prefixLength: 122, iface: 'lo', metric: '00000400' });
    expect(rows[0].flags & RTF_REJECT).toBe(RTF_REJECT);
    expect(rows[1]).toMatchObject({ prefixLength: 0, metric: 'ffffffff' });
    expect(rows[2]).toMatchObject({ nextHop: 'fd000000000000000000000000000005', iface: 'eth1' });
    expect(rows[2].flags & RTF_GATEWAY).toBe(RTF_GATEWAY);
  });
});
