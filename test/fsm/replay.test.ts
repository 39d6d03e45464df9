/**
 * Replay: a recorded sequence of events must produce the recorded sequence of actions and states.
 * The recording (test/fsm/fixtures/*.json) was made by this FSM and then checked by hand against
 * RFC 4271 §8.2.2; any behaviour change shows up here as a diff. To record again after an intended
 * change: BGPLAB_RECORD_FSM=1 npx vitest run test/fsm/replay.test.ts, then review the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSession, step } from '../../src/fsm/index.js';
import type { FsmAction, FsmEvent, SessionConfig } from '../../src/fsm/index.js';
import { notification, peerOpen } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Recording {
  description: string;
  config: SessionConfig;
  seed: number;
  steps: Array<{ at: number; event: FsmEvent; state: string; actions: FsmAction[] }>;
}

/** Buffers as {"hex": "..."} so recordings stay readable. */
function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => (v && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data) ? { hex: Buffer.from(v.data).toString('hex') } : v),
    2,
  );
}

function fromJson(text: string): Recording {
  return JSON.parse(text, (_k, v) => (v && typeof v === 'object' && Object.keys(v).length === 1 && typeof v.hex === 'string' ? Buffer.from(v.hex, 'hex') : v));
}

const config: SessionConfig = { asn: 64512, routerId: '10.0.0.1', peerAs: 64512, peerAddress: '10.0.0.2', holdTime: 9, keepaliveTime: 3, connectRetryMs: 5000 };
const update = { type: 'UPDATE' as const, withdrawn: [], attributes: { origin: 0 as const, asPath: [], localPref: 100, nextHop: '10.0.0.2' }, nlri: [{ prefix: '10.244.2.0/26' }] };

/** A session's life: refused dial, back-off, collision, Established, traffic, timers, a bad UPDATE, recovery, stop. */
const script: Array<[number, FsmEvent]> = [
  [0, { type: 'ManualStart' }],
  [3, { type: 'TcpConnectionFails', conn: 'out-1', reason: 'ECONNREFUSED' }],
  [80, { type: 'ConnectRetryTimer_Expires' }],
  [81, { type: 'Tcp_CR_Acked', conn: 'out-2' }],
  [81, { type: 'TcpConnectionConfirmed', conn: 'in-1' }],
  [82, { type: 'BGPOpen', conn: 'in-1', open: peerOpen() }],
  // RFC 4271 §6.8: out-2 (OpenSent) was not examined above; its OPEN now meets in-1 in OpenConfirm.
  [82, { type: 'BGPOpen', conn: 'out-2', open: peerOpen() }],
  [83, { type: 'KeepAliveMsg', conn: 'in-1' }],
  [90, { type: 'UpdateMsg', conn: 'in-1', update }],
  [95, { type: 'UpdateSent', conn: 'in-1' }],
  [2500, { type: 'KeepaliveTimer_Expires', conn: 'in-1' }],
  [3000, { type: 'RouteRefreshMsg', conn: 'in-1', message: { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 } }],
  [5200, { type: 'KeepaliveTimer_Expires', conn: 'in-1' }],
  [9082, { type: 'HoldTimer_Expires', conn: 'in-1' }],
  [9500, { type: 'UpdateMsgErr', conn: 'in-1', error: { code: 3, subcode: 3, data: Buffer.from([1]), reason: 'missing ORIGIN' } }],
  [9600, { type: 'HoldTimer_Expires', conn: 'in-1' }],
  [9690, { type: 'ConnectRetryTimer_Expires' }],
  [9691, { type: 'Tcp_CR_Acked', conn: 'out-3' }],
  [9692, { type: 'BGPOpen', conn: 'out-3', open: peerOpen({ holdTime: 30 }) }],
  [9693, { type: 'NotifMsg', conn: 'out-3', notification: notification(6, 2, Buffer.from('04646f776e', 'hex')) }],
  [9700, { type: 'ManualStop' }],
];

function record(): Recording {
  let s = createSession(config, { seed: 7, now: 0 });
  const steps: Recording['steps'] = [];
  for (const [at, event] of script) {
    const r = step(s, event, at);
    steps.push({ at, event, state: r.state.state, actions: r.actions });
    s = r.state;
  }
  return { description: 'A session life, see test/fsm/replay.test.ts', config, seed: 7, steps };
}

describe('replay', () => {
  const file = join(here, 'fixtures', 'session-life.json');

  it('the recorded events give the recorded actions', () => {
    if (process.env.BGPLAB_RECORD_FSM === '1') writeFileSync(file, toJson(record()) + '\n');
    const recording = fromJson(readFileSync(file, 'utf8'));
    let s = createSession(recording.config, { seed: recording.seed, now: 0 });
    for (const [i, st] of recording.steps.entries()) {
      const r = step(s, st.event, st.at);
      expect(r.actions, `step ${i}: ${st.event.type} at ${st.at}`).toEqual(st.actions);
      expect(r.state.state, `step ${i}`).toBe(st.state);
      s = r.state;
    }
    expect(recording.steps).toHaveLength(script.length);
  });
});
