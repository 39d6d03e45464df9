/** Lab status summaries (pure): sessions and routes of expected, the total line, peer types. */
import { describe, expect, it } from 'vitest';
import type { DaemonStatus, KernelRoute } from '../../src/daemons/types.js';
import type { LabState, NodeState } from '../../src/lab/state.js';
import { canonicalPrefix, labTotals, peerType, summarizeNode, whyUnanswered } from '../../src/lab/status.js';

function node(name: string, role: NodeState['role'], impl: NodeState['impl'], peers: NodeState['peers'], fib = true): NodeState {
  return {
    name,
    ns: `clab-x-${name}`,
    role,
    impl,
    index: 0,
    ipv4: '10.0.0.1',
    ipv4PrefixLength: 16,
    ipv6: null,
    ipv6PrefixLength: null,
    mac: 'aa:c1:ab:00:00:01',
    podBlocks: { ipv4: [], ipv6: [] },
    podAddresses: { ipv4: [], ipv6: [] },
    peers,
    expectedRoutes: { ipv4: 2, ipv6: 2 },
    fib,
    configPath: '/x',
    runDir: '/x',
    daemon: null,
  };
}

const client = node('node1', 'client', 'bird', [
  { node: 'rr1', address: '10.0.0.1', rrClient: false },
  { node: 'rr2', address: '10.0.0.2', rrClient: false },
]);
const others = new Set(['10.244.0.0/26', '10.244.0.64/26', 'fd00:10:244::/122', 'fd00:10:244::40/122']);

describe('summarizeNode', () => {
  const status: DaemonStatus = {
    impl: 'bird',
    peers: [
      { address: '10.0.0.1', asn: 1, state: 'Established' },
      { address: '10.0.0.2', asn: 1, state: 'Active' },
      // A session the lab did not plan is not counted.
      { address: '10.0.0.9', asn: 1, state: 'Established' },
    ],
    routes: { ipv4: 2, ipv6: 1 },
  };
  const routes: KernelRoute[] = [
    { dst: '10.244.0.0/26', family: 'ipv4', type: 'unicast' },
    { dst: '10.244.0.64/26', family: 'ipv4', type: 'unicast' },
    // Own block blackholed, and a route outside the other nodes' blocks: not counted.
    { dst: '10.244.0.128/26', family: 'ipv4', type: 'blackhole' },
    { dst: '192.168.0.0/24', family: 'ipv4', type: 'unicast' },
    // The kernel spells IPv6 its own way; compared canonically.
    { dst: 'fd00:10:244:0::40/122', family: 'ipv6', type: 'unicast' },
  ];

  it('counts established expected sessions, BGP routes and matching kernel routes', () => {
    const s = summarizeNode(client, status, routes, others);
    expect(s.sessions).toEqual({ established: 1, expected: 2 });
    expect(s.bgp).toEqual({ ipv4: 2, ipv6: 1 });
    expect(s.kernel).toEqual({ ipv4: 2, ipv6: 1 });
    expect(s.expected).toEqual({ ipv4: 2, ipv6: 2 });
  });

  it('has no kernel column for an implementation without FIB, and carries query errors', () => {
    const g = node('node2', 'client', 'gobgp', client.peers, false);
    const s = summarizeNode(g, undefined, null, others, 'gobgp: connection refused');
    expect(s.kernel).toBeNull();
    expect(s.error).toMatch(/refused/);
    expect(s.sessions.established).toBe(0);
  });
});

describe('labTotals', () => {
  it('counts each session once and converges only when everything matches', () => {
    const a = summarizeNode(client, { impl: 'bird', peers: client.peers.map((p) => ({ address: p.address, asn: 1, state: 'Established' })), routes: { ipv4: 2, ipv6: 2 } }, [...others].map((dst) => ({ dst, family: dst.includes(':') ? 'ipv6' : 'ipv4', type: 'unicast' }) as KernelRoute), others);
    const t = labTotals([a, a]);
    expect(t.sessionsEstablished).toBe(2);
    expect(t.sessionsExpected).toBe(2);
    expect(t.bgp).toEqual({ ipv4: 4, ipv6: 4 });
    expect(t.converged).toBe(true);
    const b = { ...a, kernel: { ipv4: 1, ipv6: 2 } };
    expect(labTotals([a, b]).converged).toBe(false);
    expect(labTotals([a, { ...a, error: 'x' }]).converged).toBe(false);
  });
});

describe('peerType', () => {
  it('names the session as calicoctl would in this design', () => {
    const rr1 = node('rr1', 'rr', 'bird', [
      { node: 'rr2', address: '10.0.0.2', rrClient: false },
      { node: 'node1', address: '10.0.0.3', rrClient: true },
    ]);
    const rr2 = node('rr2', 'rr', 'bird', []);
    const mesh = node('m1', 'mesh', 'bird', [{ node: 'm2', address: '10.0.0.5', rrClient: false }]);
    const state = { nodes: [rr1, rr2, client, mesh] } as unknown as LabState;
    expect(peerType(rr1, '10.0.0.3', state)).toBe('rr client');
    expect(peerType(rr1, '10.0.0.2', state)).toBe('route reflector');
    expect(peerType(client, '10.0.0.1', state)).toBe('route reflector');
    expect(peerType(mesh, '10.0.0.5', state)).toBe('node-to-node mesh');
    expect(peerType(mesh, '10.9.9.9', state)).toBe('unexpected');
  });
});

it('canonicalPrefix follows RFC 5952 and leaves garbage alone', () => {
  expect(canonicalPrefix('FD00:0010:0244:0000::0040/122')).toBe('fd00:10:244::40/122');
  expect(canonicalPrefix('10.244.0.0/26')).toBe('10.244.0.0/26');
  expect(canonicalPrefix('nonsense')).toBe('nonsense');
});

describe('whyUnanswered', () => {
  it('a daemon that is gone says so, with its pid, not the socket error', () => {
    // Regression: "error: node4: /tmp/…/control.sock: no speaker listening (ECONNREFUSED)" for a killed speaker.
    const n = node('node4', 'client', 'bgplab', []);
    const gone = { pid: 2 ** 22 + 17, startTime: '1', match: 'bgplab.json', role: 'speaker' as const, log: '/x/speaker.log' };
    const err = new Error('/x/control.sock: no speaker listening (ECONNREFUSED)');
    n.daemon = { impl: 'bgplab', name: 'node4', ns: n.ns, runDir: '/x', configPath: '/x/bgplab.json', processes: [gone], control: '/x/control.sock', eventLog: '/x/events.jsonl' } as unknown as NodeState['daemon'];
    expect(whyUnanswered(n, err)).toBe(`bgplab not running (pid ${gone.pid} exited)`);
    n.daemon = null;
    expect(whyUnanswered(n, err)).toBe(err.message);
  });
});
