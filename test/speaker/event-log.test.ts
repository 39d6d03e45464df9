import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from '../../src/speaker/event-log.js';

describe('speaker event log (contracts.md format)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bgplab-evlog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON object per line: ts, mono (CLOCK_MONOTONIC ns), node, then the event', () => {
    const path = join(dir, 'a.jsonl');
    const log = new EventLog(path, 'node "1"');
    const before = process.hrtime.bigint();
    log.emit({ event: 'start' });
    log.emit({ event: 'session', peer: '10.0.0.2', state: 'Established', prev: 'OpenConfirm' });
    log.emitRoutes('add', 'ipv6', ['fd00:244::/122', 'fd00:244:0:1::/122'], 'fd00::2', '10.0.0.2');
    log.emitRoutes('del', 'ipv4', ['10.244.1.0/26'], null, null);
    log.emit({ event: 'fib', op: 'add', family: 'ipv4', prefixes: ['10.244.1.0/26'] });
    expect(readFileSync(path, 'utf8')).toBe(''); // buffered until flush/close
    log.close();
    const after = process.hrtime.bigint();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const ev = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(ev[1])).toEqual(['ts', 'mono', 'node', 'event', 'peer', 'state', 'prev']);
    expect(ev.map((e) => e.event)).toEqual(['start', 'session', 'route', 'route', 'route', 'fib']);
    expect(ev[0].node).toBe('node "1"');
    expect(ev[2]).toMatchObject({ op: 'add', family: 'ipv6', prefix: 'fd00:244::/122', nextHop: 'fd00::2', peer: '10.0.0.2' });
    expect(ev[4]).toEqual({ ts: ev[4].ts, mono: ev[4].mono, node: 'node "1"', event: 'route', op: 'del', family: 'ipv4', prefix: '10.244.1.0/26' });
    let last = before;
    for (const e of ev) {
      const m = BigInt(e.mono as string);
      expect(m >= last && m <= after).toBe(true);
      last = m;
      expect(new Date(e.ts as string).toISOString()).toBe(e.ts);
    }
  });

  it('writes large bursts in blocks and nothing when disabled', () => {
    const path = join(dir, 'b.jsonl');
    const log = new EventLog(path, 'n');
    const prefixes = Array.from({ length: 20_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    log.emitRoutes('add', 'ipv4', prefixes, '10.0.0.9', '10.0.0.9');
    log.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(20_000);
    expect(JSON.parse(lines[19_999]).prefix).toBe('10.78.31.0/24');
    const off = new EventLog(null, 'n');
    expect(off.enabled).toBe(false);
    off.emit({ event: 'start' });
    off.close();
  });
});
