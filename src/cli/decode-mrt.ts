/**
 * `bgplab decode --mrt`: MRT records (src/capture/mrt.ts) as text or as one JSON object per line.
 * A BGP4MP message prints as any decoded message (the fields of `decode -f json`), headed by the
 * record, the time and the two speakers; a RIB record prints its prefix and one entry per path with
 * its peer and attributes. Exit status as for the other inputs: 1 when a record or a message in it is
 * malformed (or nothing was read), else 0.
 */
import type { MrtItem, MrtRecordInfo, MrtRibEntry } from '../capture/mrt.js';
import { BGP_STATE_NAMES } from '../capture/mrt.js';
import { attributesText, attributesToJson, decodeErrorToJson, jsonToText, mostSevere, resultToJson, type JsonObject } from '../wire/json.js';
import { isoTime, OutputBuffer, withMessage } from './output.js';

function recordTime(r: MrtRecordInfo): string {
  return isoTime(BigInt(r.seconds) * 1_000_000_000n + BigInt(r.microseconds ?? 0) * 1000n);
}

function head(r: MrtRecordInfo): JsonObject {
  return { time: recordTime(r), record: r.index, mrt: `${r.typeName}/${r.subtypeName}` };
}

const state = (n: number): string => BGP_STATE_NAMES[n] ?? `state ${n}`;

function entryJson(e: MrtRibEntry): JsonObject {
  const o: JsonObject = { peerIndex: e.peerIndex };
  if (e.peer) {
    o.peer = e.peer.address;
    o.peerAs = e.peer.asn;
    if (e.peer.bgpId !== undefined) o.peerBgpId = e.peer.bgpId;
  } else o.peer = null; // not in the PEER_INDEX_TABLE
  o.originated = isoTime(BigInt(e.originated) * 1_000_000_000n);
  if (e.pathId !== undefined) o.pathId = e.pathId;
  o.attributes = attributesToJson(e.attributes);
  if (e.errors.length > 0) {
    o.error = decodeErrorToJson(mostSevere(e.errors)!);
    if (e.errors.length > 1) o.errors = e.errors.map(decodeErrorToJson);
  }
  return o;
}

/** One MRT item as the JSON object `-f json` prints (undefined for what goes to stderr as a note). */
export function mrtItemJson(it: MrtItem): JsonObject | undefined {
  switch (it.kind) {
    case 'bgp4mp-message': {
      const o: JsonObject = { ...head(it.record), peer: it.peer.address, peerAs: it.peer.asn, local: it.local.address, localAs: it.local.asn };
      o.direction = it.sent ? 'sent' : 'received';
      return withMessage(o, resultToJson(it.result, it.bytes), it.guessedAddPath ? { guessed: { addPath: ['ipv4', 'ipv6'] } } : {});
    }
    case 'bgp4mp-state':
      return {
        ...head(it.record),
        peer: it.peer.address,
        peerAs: it.peer.asn,
        local: it.local.address,
        localAs: it.local.asn,
        type: 'STATE_CHANGE',
        oldState: state(it.oldState),
        newState: state(it.newState),
      };
    case 'peer-index':
      return {
        ...head(it.record),
        type: 'PEER_INDEX_TABLE',
        collectorId: it.collectorId,
        viewName: it.viewName,
        peers: it.peers.map((p) => ({ index: p.index, address: p.address, asn: p.asn, bgpId: p.bgpId })),
      };
    case 'rib':
      return { ...head(it.record), type: 'RIB', family: it.family, sequence: it.sequence, prefix: it.prefix, entries: it.entries.map(entryJson) };
    case 'malformed':
      return { ...(it.record ? head(it.record) : {}), offset: it.offset, type: 'MALFORMED', reason: it.reason };
    case 'unsupported':
      return undefined;
  }
}

function speakers(it: Extract<MrtItem, { kind: 'bgp4mp-message' | 'bgp4mp-state' }>, sent: boolean): string {
  const peer = `${it.peer.address} AS${it.peer.asn}`;
  const local = `${it.local.address} AS${it.local.asn}`;
  return sent ? `${local} > ${peer}` : `${peer} > ${local}`;
}

/** One MRT item as text: a first line with the record number and time, indented details. */
export function mrtItemText(it: MrtItem): string {
  const r = it.record;
  const prefix = r ? `#${r.index} ${recordTime(r).replace('T', ' ').replace('Z', '')} ` : '';
  switch (it.kind) {
    case 'bgp4mp-message': {
      const { guessed, ...o } = mrtItemJson(it)!;
      const text = jsonToText(o, `${prefix}${speakers(it, it.sent)} `);
      return guessed ? `${text}\n    (ADD-PATH path ids assumed: the record's subtype does not say so, as in dumps older than RFC 8050, and the message decodes only with them)` : text;
    }
    case 'bgp4mp-state':
      return `${prefix}${speakers(it, false)} STATE_CHANGE: ${state(it.oldState)} -> ${state(it.newState)}`;
    case 'peer-index': {
      const lines = it.peers.map((p) => `    peer ${p.index}: ${p.address} AS${p.asn}, id ${p.bgpId}`);
      const view = it.viewName ? `, view ${JSON.stringify(it.viewName)}` : '';
      return [`${prefix}PEER_INDEX_TABLE collector ${it.collectorId}${view}: ${it.peers.length} peers`, ...lines].join('\n');
    }
    case 'rib': {
      const lines: string[] = [`${prefix}RIB ${it.family} ${it.prefix} (sequence ${it.sequence}): ${it.entries.length} ${it.entries.length === 1 ? 'path' : 'paths'}`];
      for (const e of it.entries) {
        const j = entryJson(e);
        const who = e.peer ? `${e.peer.address} AS${e.peer.asn}` : `peer index ${e.peerIndex} (not in the PEER_INDEX_TABLE)`;
        lines.push(`    from ${who}, originated ${String(j.originated).replace('T', ' ').replace('.000000Z', '')}${e.pathId !== undefined ? `, path id ${e.pathId}` : ''}`);
        for (const l of attributesText(j.attributes as JsonObject)) lines.push(`        ${l}`);
        for (const err of e.errors) lines.push(`        ! error ${err.code}/${err.subcode} (${err.action}) at attribute byte ${err.offset}: ${err.reason}`);
      }
      return lines.join('\n');
    }
    case 'unsupported':
      return `${prefix}-- ${it.reason} (${it.record.length} bytes)`;
    case 'malformed':
      return `${prefix}! malformed MRT record at byte ${it.offset}: ${it.reason}`;
  }
}

/** Whether an item holds something malformed (for the exit status). */
function malformed(it: MrtItem): boolean {
  if (it.kind === 'malformed') return true;
  if (it.kind === 'bgp4mp-message') return it.result.errors.length > 0;
  if (it.kind === 'rib') return it.entries.some((e) => e.errors.length > 0);
  return false;
}

export async function renderMrt(items: AsyncIterable<MrtItem> | Iterable<MrtItem>, format: 'text' | 'json'): Promise<number> {
  const out = new OutputBuffer();
  let bad = false;
  let records = 0;
  for await (const it of items) {
    records++;
    if (malformed(it)) bad = true;
    if (format === 'json') {
      const o = mrtItemJson(it);
      if (o) await out.line(JSON.stringify(o));
      else process.stderr.write(`bgplab: note: record ${it.record?.index}: ${(it as { reason: string }).reason}\n`);
    } else await out.line(mrtItemText(it));
  }
  await out.flush();
  return bad || records === 0 ? 1 : 0;
}
