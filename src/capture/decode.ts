/**
 * BGP messages out of raw bytes or a packet capture: framing (framer.ts), TCP reassembly
 * (reassembly.ts) and the codec (src/wire), with the session context each message needs.
 *
 * Context. A message's meaning depends on what its session negotiated (RFC 6793 4-octet AS,
 * RFC 7911 ADD-PATH, RFC 8654 extended message). Explicit options win. Otherwise, in a capture,
 * the OPENs seen on a connection decide (both sides' capabilities, per direction for ADD-PATH).
 * When neither says (no OPEN captured, pasted hex), an UPDATE that fails to decode as a 2-octet
 * AS, no-ADD-PATH message is tried with the other combinations; the one with the fewest errors
 * wins and the record says what was assumed (`guessed`). A guess that decodes cleanly sticks for
 * the rest of that direction.
 */
import { decodeMessage } from '../wire/index.js';
import type { CodecContext, DecodeError, DecodeResult, Family, OpenMessage } from '../wire/types.js';
import { BgpFramer, type ChunkMeta, type FramerItem } from './framer.js';
import { decodePacket } from './packet.js';
import { readCapture } from './pcap.js';
import { TcpReassembler, type Endpoint, type Flow, type StreamEvent } from './reassembly.js';

export interface DecodeInputOptions {
  /** 4-octet AS numbers in AS_PATH/AGGREGATOR; undefined = from the OPENs, else guessed. */
  as4?: boolean;
  /** Families whose NLRI carry ADD-PATH path ids; undefined = from the OPENs, else guessed. */
  addPath?: Family[];
  /** Allow messages up to 65535 bytes; undefined = from the OPENs, else allowed. */
  extendedMessage?: boolean;
  /** TCP ports that carry BGP in a capture (either end); default [179]. */
  ports?: number[];
}

export interface CaptureInfo {
  frame: number;
  tsNs: bigint | undefined;
  src: Endpoint;
  dst: Endpoint;
}

export interface DecodedRecord {
  kind: 'message';
  /** The message bytes (the framed header length), or the unframeable header. */
  bytes: Buffer;
  result: DecodeResult;
  /** Byte offset in the input (hex/file) or in the direction's TCP stream (capture). */
  offset: number;
  capture?: CaptureInfo;
  /** Context assumed for lack of OPENs or options, when it differs from the default. */
  guessed?: { as4?: boolean; addPath?: Family[] };
  /** Decoded from a retransmission whose bytes differ from the ones first delivered. */
  conflicting?: boolean;
}

export interface DecodeNote {
  kind: 'note';
  text: string;
  capture?: CaptureInfo;
}

export type DecodeItem = DecodedRecord | DecodeNote;

// ---------------------------------------------------------------- context

const FAMILIES: Family[] = ['ipv4', 'ipv6'];
const AFI: Record<Family, number> = { ipv4: 1, ipv6: 2 };

function hasCap(open: OpenMessage, code: number): boolean {
  return open.capabilities.some((c) => c.code === code);
}

/** ADD-PATH Send/Receive value (RFC 7911 §4) an OPEN advertises for a family's unicast, or 0. */
function addPathMode(open: OpenMessage, family: Family): number {
  for (const c of open.capabilities) {
    if (c.code === 69 && c.name === 'add-path') {
      const f = c.families.find((x) => x.afi === AFI[family] && x.safi === 1);
      if (f) return f.sendReceive;
    }
  }
  return 0;
}

interface Resolved {
  ctx: CodecContext;
  as4Unknown: boolean;
  addPathUnknown: Family[];
}

class ContextTracker {
  private readonly opens = new Map<string, OpenMessage>();
  private readonly sticky = new Map<string, { as4: boolean; addPath: Family[] }>();

  constructor(private readonly options: DecodeInputOptions) {}

  noteOpen(flowKey: string, open: OpenMessage): void {
    this.opens.set(flowKey, open);
  }

  /** Context for bytes flowing on `flowKey` (whose reverse direction is `reverseKey`). */
  resolve(flowKey: string, reverseKey: string): Resolved {
    const mine = this.opens.get(flowKey);
    const peer = this.opens.get(reverseKey);
    const sticky = this.sticky.get(flowKey);
    let as4 = this.options.as4;
    if (as4 === undefined) {
      if (mine && peer) as4 = hasCap(mine, 65) && hasCap(peer, 65);
      else if ((mine && !hasCap(mine, 65)) || (peer && !hasCap(peer, 65))) as4 = false; // RFC 6793 §4.1: both must send it
    }
    const addPath: Record<Family, boolean | undefined> = { ipv4: undefined, ipv6: undefined };
    for (const f of FAMILIES) {
      if (this.options.addPath) addPath[f] = this.options.addPath.includes(f);
      else if (mine && peer) addPath[f] = (addPathMode(mine, f) & 2) !== 0 && (addPathMode(peer, f) & 1) !== 0;
      else if ((mine && (addPathMode(mine, f) & 2) === 0) || (peer && (addPathMode(peer, f) & 1) === 0)) addPath[f] = false;
    }
    const extendedMessage = this.options.extendedMessage ?? (mine && peer ? hasCap(mine, 6) && hasCap(peer, 6) : true);
    const as4Unknown = as4 === undefined;
    const addPathUnknown = FAMILIES.filter((f) => addPath[f] === undefined);
    const ctx = makeContext(
      as4 ?? sticky?.as4 ?? false,
      FAMILIES.filter((f) => addPath[f] ?? sticky?.addPath.includes(f) ?? false),
      extendedMessage,
    );
    return { ctx, as4Unknown, addPathUnknown };
  }

  remember(flowKey: string, as4: boolean, addPath: Family[]): void {
    this.sticky.set(flowKey, { as4, addPath });
  }
}

function makeContext(as4: boolean, addPath: Family[], extendedMessage: boolean): CodecContext {
  const ap = (f: Family) => ({ receive: addPath.includes(f), send: addPath.includes(f) });
  return { as4, addPath: { ipv4: ap('ipv4'), ipv6: ap('ipv6') }, extendedMessage };
}

/**
 * How badly a candidate decode went, lower is better: a message lost to a session reset is worse
 * than any number of lesser errors, and among lost ones the decode that got further is likelier
 * to have had the right context.
 */
function badness(r: DecodeResult): number {
  const fatal = r.errors.filter((e) => e.action === 'session-reset');
  if (!r.message || fatal.length > 0) {
    const reached = fatal.length > 0 ? Math.min(...fatal.map((e) => e.offset)) : 0;
    return 1_000_000 - Math.min(reached, 65535) * 10 + r.errors.length;
  }
  return r.errors.length;
}

function addPathOf(ctx: CodecContext): Family[] {
  return FAMILIES.filter((f) => ctx.addPath[f].receive);
}

/** Decode one framed message, guessing the unknown parts of the context if it fails. */
function decodeFramed(
  bytes: Buffer,
  tracker: ContextTracker,
  flowKey: string,
  reverseKey: string,
): { result: DecodeResult; guessed?: DecodedRecord['guessed'] } {
  const { ctx, as4Unknown, addPathUnknown } = tracker.resolve(flowKey, reverseKey);
  const first = decodeMessage(bytes, ctx, 0);
  const isUpdate = bytes.length >= 19 && bytes[18] === 2;
  let best = { result: first, ctx };
  if (isUpdate && first.errors.length > 0 && (as4Unknown || addPathUnknown.length > 0)) {
    const as4Options = as4Unknown ? [ctx.as4, !ctx.as4] : [ctx.as4];
    const known = addPathOf(ctx).filter((f) => !addPathUnknown.includes(f));
    const current = addPathOf(ctx);
    const flipped = [...known, ...addPathUnknown.filter((f) => !current.includes(f))];
    const addPathOptions = addPathUnknown.length > 0 ? [current, flipped] : [current];
    for (const a of as4Options) {
      for (const ap of addPathOptions) {
        if (a === ctx.as4 && ap === current) continue;
        const alt = makeContext(a, ap, ctx.extendedMessage);
        const r = decodeMessage(bytes, alt, 0);
        if (badness(r) < badness(best.result)) best = { result: r, ctx: alt };
      }
    }
  }
  const chosen = best.ctx;
  if (isUpdate && best.result.errors.length === 0 && (as4Unknown || addPathUnknown.length > 0)) {
    tracker.remember(flowKey, chosen.as4, addPathOf(chosen));
  }
  const guessed: NonNullable<DecodedRecord['guessed']> = {};
  if (as4Unknown && chosen.as4) guessed.as4 = true;
  const guessedAddPath = addPathOf(chosen).filter((f) => addPathUnknown.includes(f));
  if (guessedAddPath.length > 0) guessed.addPath = guessedAddPath;
  return { result: best.result, guessed: Object.keys(guessed).length > 0 ? guessed : undefined };
}

/** A framing error as a decode result (no message; the codec never saw these bytes). */
function framingResult(error: DecodeError, length: number): DecodeResult {
  return { errors: [error], length };
}

// ---------------------------------------------------------------- raw bytes (hex, file)

/** Decode a buffer of concatenated BGP messages (pasted hex, a raw file). */
export function* decodeBgpBytes(input: Buffer, options: DecodeInputOptions = {}): Generator<DecodeItem> {
  const tracker = new ContextTracker(options);
  const framer = new BgpFramer();
  const meta: ChunkMeta = { frame: 0, tsNs: undefined };
  const items = [...framer.push(input, meta), ...framer.end(meta, true)];
  for (const item of items) yield* fromFramerItem(item, tracker, 'input', 'input-peer', undefined, false);
}

function* fromFramerItem(
  item: FramerItem,
  tracker: ContextTracker,
  flowKey: string,
  reverseKey: string,
  flow: Flow | undefined,
  conflicting: boolean,
): Generator<DecodeItem> {
  const capture = flow ? { frame: item.meta.frame, tsNs: item.meta.tsNs, src: flow.src, dst: flow.dst } : undefined;
  if (item.kind === 'skipped') {
    yield { kind: 'note', text: `skipped ${item.bytes} bytes at ${flow ? 'stream ' : ''}byte ${item.offset}: ${item.reason}`, capture };
    return;
  }
  if (item.kind === 'error') {
    const rec: DecodedRecord = {
      kind: 'message',
      bytes: item.bytes,
      result: framingResult(item.error, 0),
      offset: item.offset,
      capture,
    };
    if (conflicting) rec.conflicting = true;
    yield rec;
    return;
  }
  const { result, guessed } = decodeFramed(item.bytes, tracker, flowKey, reverseKey);
  if (result.message?.type === 'OPEN') tracker.noteOpen(flowKey, result.message);
  const rec: DecodedRecord = { kind: 'message', bytes: item.bytes, result, offset: item.offset, capture };
  if (guessed) rec.guessed = guessed;
  if (conflicting) rec.conflicting = true;
  yield rec;
}

// ---------------------------------------------------------------- captures

function reverseKeyOf(flow: Flow): string {
  return `${flow.dst.address}|${flow.dst.port}|${flow.src.address}|${flow.src.port}`;
}

/**
 * Decode every BGP message in a pcap/pcapng capture, per TCP direction, in capture order.
 * Throws only when the buffer is not a capture file at all.
 */
export function* decodeBgpCapture(file: Buffer, options: DecodeInputOptions = {}): Generator<DecodeItem> {
  const capture = readCapture(file);
  const ports = options.ports ?? [179];
  const tracker = new ContextTracker(options);
  const reassembler = new TcpReassembler();
  const framers = new Map<string, BgpFramer>();
  const skipped = new Map<string, number>();
  let tcpSegments = 0;

  function* handle(events: StreamEvent[]): Generator<DecodeItem> {
    for (const ev of events) {
      const flow = ev.flow;
      const meta: ChunkMeta = { frame: ev.frame, tsNs: ev.tsNs };
      const info: CaptureInfo = { frame: ev.frame, tsNs: ev.tsNs, src: flow.src, dst: flow.dst };
      const reverse = reverseKeyOf(flow);
      let items: FramerItem[] = [];
      switch (ev.kind) {
        case 'start':
          framers.set(flow.key, new BgpFramer({ resync: ev.midstream }));
          break;
        case 'data':
          items = framers.get(flow.key)?.push(ev.data, meta) ?? [];
          break;
        case 'gap': {
          const size = ev.bytes === undefined ? 'an unknown number of' : String(ev.bytes);
          yield { kind: 'note', text: `gap of ${size} bytes at stream byte ${ev.offset} (${ev.reason})`, capture: info };
          items = framers.get(flow.key)?.gap(meta, ev.reason) ?? [];
          break;
        }
        case 'conflict': {
          yield {
            kind: 'note',
            text: `retransmission at stream byte ${ev.offset} differs from the bytes first seen; decoding it separately`,
            capture: info,
          };
          const side = new BgpFramer();
          const sideItems = [...side.push(ev.data, meta), ...side.end(meta, false)];
          for (const item of sideItems) yield* fromFramerItem(item, tracker, flow.key, reverse, flow, true);
          break;
        }
        case 'end':
          items = framers.get(flow.key)?.end(meta, false) ?? [];
          framers.delete(flow.key);
          break;
      }
      for (const item of items) yield* fromFramerItem(item, tracker, flow.key, reverse, flow, false);
    }
  }

  for (const pkt of capture.packets) {
    const r = decodePacket(pkt.linkType, pkt.data, pkt.origLen);
    if ('skip' in r) {
      skipped.set(r.skip, (skipped.get(r.skip) ?? 0) + 1);
      continue;
    }
    const seg = r.segment;
    if (!ports.includes(seg.srcPort) && !ports.includes(seg.dstPort)) continue;
    tcpSegments++;
    yield* handle(reassembler.push(seg, pkt.frame, pkt.tsNs));
  }
  yield* handle(reassembler.finish());
  for (const w of capture.warnings) yield { kind: 'note', text: `capture file: ${w}` };
  if (tcpSegments === 0) {
    const why = [...skipped.entries()].map(([reason, n]) => `${n} × ${reason}`).join('; ');
    yield {
      kind: 'note',
      text: `no TCP segments on port ${ports.join(',')} among ${capture.packets.length} frames${why ? ` (skipped: ${why})` : ''}`,
    };
  }
}
