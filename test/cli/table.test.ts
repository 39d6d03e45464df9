/** Table rendering (src/cli/table.ts) and the lab views built on it (inspect, status). */
import { describe, expect, it } from 'vitest';
import { renderInspect } from '../../src/cli/inspect.js';
import { renderLabStatus, renderNodeStatus, sinceText } from '../../src/cli/status.js';
import { renderTable } from '../../src/cli/table.js';
import { labTotals, type NodeSummary } from '../../src/lab/status.js';

describe('renderTable', () => {
  it('draws containerlab rounded boxes with multi-line cells, centred headers', () => {
    const t = renderTable(['Name', 'IPv4/6'], [['a', '10.0.0.1/16\nfd00::1/64'], ['bb', '10.0.0.2/16']], { rowSeparators: true });
    expect(t).toBe(
      [
        '╭──────┬─────────────╮',
        '│ Name │   IPv4/6    │',
        '├──────┼─────────────┤',
        '│ a    │ 10.0.0.1/16 │',
        '│      │ fd00::1/64  │',
        '├──────┼─────────────┤',
        '│ bb   │ 10.0.0.2/16 │',
        '╰──────┴─────────────╯',
        '',
      ].join('\n'),
    );
  });

  it('draws calicoctl ascii boxes, right alignment and a footer', () => {
    const t = renderTable(['A', 'N'], [['x', '1'], ['y', '22']], { style: 'ascii', align: ['left', 'right'], footer: [['TOTAL', '23']] });
    expect(t.split('\n')).toEqual(['+-------+----+', '|   A   | N  |', '+-------+----+', '| x     |  1 |', '| y     | 22 |', '+-------+----+', '| TOTAL | 23 |', '+-------+----+', '']);
  });
});

describe('lab views', () => {
  it('inspect lists container names, both addresses and PIDs, with a Lab column for several labs', () => {
    const nodes = [{ name: 'n1', longname: 'clab-l-n1', role: 'mesh', impl: 'bird', state: 'running' as const, ipv4: '10.0.0.1/16', ipv6: 'fd00::1/64', pids: [42] }];
    const one = renderInspect([{ lab: 'l', nodes }]);
    expect(one).toContain('clab-l-n1');
    expect(one).toContain('fd00::1/64');
    expect(one).not.toContain('Lab');
    expect(renderInspect([{ lab: 'l', nodes }, { lab: 'm', nodes }])).toContain('Lab');
  });

  it('status: one row per node and a total line', () => {
    const row: NodeSummary = { name: 'n1', role: 'mesh', impl: 'gobgp', sessions: { established: 1, expected: 1 }, bgp: { ipv4: 1, ipv6: 1 }, kernel: null, expected: { ipv4: 1, ipv6: 1 } };
    const text = renderLabStatus('l', [row, { ...row, name: 'n2', impl: 'bird', kernel: { ipv4: 0, ipv6: 1 } }], labTotals([row, { ...row, kernel: { ipv4: 0, ipv6: 1 } }]));
    expect(text).toMatch(/│ n1 +│ mesh │ gobgp │ +1\/1 │ +1\/1 │ +1\/1 │ +- │ +- │/);
    expect(text).toMatch(/TOTAL \(2\).*1\/1 .*2\/2 .*2\/2 .*0\/1 .*1\/1 .*not converged/);
  });

  it('one node: calicoctl sections per family, missing peers shown down', () => {
    const now = new Date('2026-11-28T17:00:00Z');
    const text = renderNodeStatus(
      {
        node: 'node1',
        impl: 'bird',
        role: 'client',
        peers: [{ address: '10.0.0.1', asn: 1, state: 'Established', since: '2026-11-28T16:37:03Z', families: ['ipv4', 'ipv6'], type: 'route reflector' }],
        missing: [{ node: 'rr2', address: '10.0.0.2', type: 'route reflector' }],
        routes: { ipv4: 1, ipv6: 1 },
        kernel: { ipv4: 1, ipv6: 1 },
        expected: { ipv4: 2, ipv6: 2 },
      },
      now,
    );
    expect(text).toContain('IPv4 BGP status');
    expect(text).toContain('IPv6 BGP status');
    expect(text).toMatch(/\| 10\.0\.0\.1 +\| route reflector \| up +\| 16:37:03 \| Established \|/);
    expect(text).toMatch(/\| 10\.0\.0\.2 +\| route reflector \| down/);
    expect(text).toContain('BGP IPv4 1/2');
  });

  it('one node: an up session shows Established only, a down one its last error', () => {
    // Regression: "Established dial failed: ECONNREFUSED …" for a session that came up after a refused dial.
    const now = new Date('2026-11-28T17:00:00Z');
    const peer = { asn: 1, since: '2026-11-28T16:37:03Z', families: ['ipv4', 'ipv6'] as Array<'ipv4' | 'ipv6'>, type: 'rr client' };
    const text = renderNodeStatus(
      {
        node: 'rr1',
        impl: 'bgplab',
        role: 'rr',
        peers: [
          { ...peer, address: '10.0.0.3', state: 'Established', info: 'dial failed: ECONNREFUSED' },
          { ...peer, address: '10.0.0.4', state: 'Active', info: 'dial failed: ECONNREFUSED' },
        ],
        missing: [],
        routes: { ipv4: 1, ipv6: 1 },
        kernel: { ipv4: 1, ipv6: 1 },
        expected: { ipv4: 1, ipv6: 1 },
      },
      now,
    );
    expect(text).toMatch(/\| 10\.0\.0\.3 +\| rr client +\| up +\| 16:37:03 \| Established +\|/);
    expect(text).not.toMatch(/Established dial failed/);
    expect(text).toMatch(/\| 10\.0\.0\.4 +\| rr client +\| start +\| 16:37:03 \| Active dial failed: ECONNREFUSED \|/);
  });

  it('SINCE is a time of day today, else a date', () => {
    const now = new Date('2026-11-28T17:00:00Z');
    expect(sinceText('2026-11-28T01:02:03Z', now)).toBe('01:02:03');
    expect(sinceText('2026-11-20T01:02:03Z', now)).toBe('2026-11-20');
    expect(sinceText(undefined, now)).toBe('-');
  });
});
