/**
 * A scripted BGP peer for tests, as the text of a Node ES module built on dist/src/wire and dist/src/fsm:
 * `node peer.mjs MODE LOCAL REMOTE ROUTERID [ASN]`, run inside a peer's namespace, prints one JSON line
 * per thing it sees. MODE garbage: send 64 zero bytes; listen-garbage: accept dials and answer garbage;
 * session: a proper session, then stdin commands (announce, raw, refresh, keepalive).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const WIRE = resolve(process.cwd(), 'dist/src/wire/index.js');
const FSM = resolve(process.cwd(), 'dist/src/fsm/index.js');

/**
 * The scripted peer: connects to the speaker (or listens, with mode "listen-garbage"), then follows a
 * script; prints one JSON line per event it sees.
 */
export const PEER_SCRIPT = `
import { connect, createServer } from 'node:net';
import * as wire from '${WIRE}';
import { buildOpen } from '${FSM}';
const [mode, local, remote, routerId, asn] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const ctx = wire.defaultContext(); // no session-type checks: the script plays either side
if (mode === 'listen-garbage') {
  // Accept the speaker's dials and answer each with garbage; report when each arrives.
  const t0 = Date.now();
  createServer((s) => {
    say({ event: 'accepted', at: Date.now() - t0 });
    const r = new wire.MessageReader();
    s.on('data', (d) => { r.push(d); for (let f = r.next(); f; f = r.next()) { const m = wire.decodeMessage(f, ctx).message; if (m && m.type === 'NOTIFICATION') say({ event: 'notification', code: m.code, subcode: m.subcode }); } });
    s.on('error', () => {});
    s.write(Buffer.alloc(64, 0x5a));
  }).listen(179, local);
} else if (mode === 'garbage') {
  const s = connect({ host: remote, port: 179, localAddress: local });
  const r = new wire.MessageReader();
  s.on('connect', () => s.write(Buffer.alloc(64, 0)));
  s.on('data', (d) => { r.push(d); for (let f = r.next(); f; f = r.next()) { const m = wire.decodeMessage(f, ctx).message; if (m) say({ event: m.type, code: m.code, subcode: m.subcode }); } });
  s.on('close', () => { say({ event: 'closed' }); process.exit(0); });
  s.on('error', () => {});
} else {
  // A proper session, then commands from stdin.
  const s = connect({ host: remote, port: 179, localAddress: local });
  const r = new wire.MessageReader();
  const open = buildOpen({ asn: Number(asn || 64512), routerId, holdTime: Number(process.env.HOLD || 9), families: ['ipv4', 'ipv6'] });
  s.on('connect', () => s.write(wire.encodeMessage(open, wire.defaultContext())));
  let up = false;
  s.on('data', (d) => {
    r.push(d);
    for (let f = r.next(); f; f = r.next()) {
      const res = wire.decodeMessage(f, ctx);
      const m = res.message;
      if (!m) { say({ event: 'error', errors: res.errors.map((e) => e.reason) }); continue; }
      if (m.type === 'OPEN') s.write(wire.KEEPALIVE_BYTES);
      else if (m.type === 'KEEPALIVE') { if (!up) { up = true; say({ event: 'established' }); } }
      else if (m.type === 'UPDATE') {
        const eor = wire.endOfRibFamily(m);
        if (eor) say({ event: 'eor', family: eor });
        else say({ event: 'update', at: Date.now(), nlri: [...m.nlri.map((n) => n.prefix), ...(m.attributes.mpReach?.nlri ?? []).map((n) => n.prefix)], withdrawn: [...m.withdrawn.map((n) => n.prefix), ...(m.attributes.mpUnreach?.withdrawn ?? []).map((n) => n.prefix)], localPref: m.attributes.localPref ?? null, asPath: m.attributes.asPath ?? null, nextHop: m.attributes.nextHop ?? m.attributes.mpReach?.nextHops?.[0] ?? null });
      } else if (m.type === 'NOTIFICATION') say({ event: 'notification', code: m.code, subcode: m.subcode });
    }
  });
  s.on('close', () => { say({ event: 'closed' }); process.exit(0); });
  s.on('error', () => {});
  let buf = '';
  process.stdin.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\\n')) >= 0) {
      const cmd = JSON.parse(buf.slice(0, nl)); buf = buf.slice(nl + 1);
      if (cmd.op === 'announce') for (const b of wire.encodeUpdates('ipv4', { origin: 0, asPath: [], localPref: 100, nextHop: local }, cmd.prefixes.map((p) => ({ prefix: p })), ctx)) s.write(b);
      if (cmd.op === 'raw') s.write(Buffer.from(cmd.hex, 'hex'));
      if (cmd.op === 'refresh') s.write(wire.encodeMessage({ type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 }, ctx));
      if (cmd.op === 'keepalive') s.write(wire.KEEPALIVE_BYTES);
    }
  });
}
`;


/** Writes the scripted peer into `dir` (a test fabric's directory); returns its path. */
export function writePeerScript(dir: string): string {
  const file = join(dir, 'peer.mjs');
  writeFileSync(file, PEER_SCRIPT);
  return file;
}
