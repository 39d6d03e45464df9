/**
 * `bgplab decode`: BGP messages from hex (arguments or stdin), a raw file, a pcap/pcapng capture or
 * an MRT dump (rendered by decode-mrt.ts), printed as readable text or as one JSON object per line.
 * The decoding is pure (src/capture, src/wire); this file reads the input, validates flags and
 * writes the output.
 * Exit status: 0 all messages well-formed, 1 something was malformed, 2 usage or input error.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { decodeBgpBytes, decodeBgpCapture, decodeMrtStream, isCaptureFile, NotMrtError, type DecodeInputOptions, type DecodeItem, type MrtItem } from '../capture/index.js';
import { renderMrt } from './decode-mrt.js';
import type { Family } from '../wire/types.js';
import { jsonToText, resultToJson, type JsonObject } from '../wire/json.js';
import { CliError } from './errors.js';
import { isoTime, OutputBuffer, withMessage } from './output.js';

interface DecodeFlags {
  file?: string;
  pcap?: string;
  mrt?: string;
  port?: string;
  as4?: boolean;
  addpath?: string;
  extendedMessage?: boolean;
  format: string;
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode BGP messages from hex, a raw file or a pcap/pcapng capture')
    .argument('[hex...]', 'message bytes in hex (spaces and colons ignored); read from stdin when absent')
    .option('--file <path>', 'read raw BGP message bytes from a file (- for stdin)')
    .option('--pcap <path>', 'read a pcap or pcapng capture, TCP reassembled per direction (- for stdin)')
    .option('--mrt <path>', 'read an MRT routing dump (RFC 6396: BGP4MP, TABLE_DUMP_V2, TABLE_DUMP), as RIPE RIS, RouteViews and BIRD write; gzipped or not (- for stdin)')
    .option('--port <ports>', 'TCP port(s) carrying BGP in the capture, comma-separated (default 179)')
    .option('--as4', 'AS numbers are 4 octets (RFC 6793); default: from the OPENs, else guessed')
    .option('--no-as4', 'AS numbers are 2 octets')
    .option('--addpath <families>', 'NLRI carry ADD-PATH path ids for: ipv4, ipv6, ipv4,ipv6 or none')
    .option('--extended-message', 'allow messages up to 65535 bytes (RFC 8654); default: from the OPENs, else allowed')
    .option('--no-extended-message', 'limit messages to 4096 bytes')
    .option('-f, --format <format>', 'output format: text or json (one object per line)', 'text')
    .addHelpText(
      'after',
      `
Examples:
  bgplab decode ffffffffffffffffffffffffffffffff001304
  echo 'ff:ff:...' | bgplab decode -f json
  bgplab decode --pcap session.pcapng --port 1179 -f json
  bgplab decode --mrt bview.20261129.0000 -f json`,
    )
    .action(async (hex: string[], flags: DecodeFlags) => {
      process.exitCode = await runDecode(hex, flags);
    });
}

function parseFormat(v: string): 'text' | 'json' {
  if (v === 'text' || v === 'json') return v;
  throw new CliError(`--format: unknown format '${v}' (expected text or json)`);
}

function parsePorts(v: string): number[] {
  const ports = v.split(',').map((p) => p.trim());
  return ports.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) {
      throw new CliError(`--port: '${p}' is not a TCP port (1-65535)`);
    }
    return Number(p);
  });
}

function parseAddPath(v: string): Family[] {
  const items = v.split(',').map((s) => s.trim().toLowerCase());
  if (items.length === 1 && items[0] === 'none') return [];
  const out: Family[] = [];
  for (const item of items) {
    if (item !== 'ipv4' && item !== 'ipv6') {
      throw new CliError(`--addpath: unknown family '${item}' (expected ipv4, ipv6, ipv4,ipv6 or none)`);
    }
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/** Hex text to bytes: whitespace and colons ignored, an optional 0x before each run of digits. */
export function parseHex(text: string, source: string): Buffer {
  const cleaned = text.replace(/0x(?=[0-9a-fA-F])/g, '').replace(/[\s:]+/g, '');
  const bad = cleaned.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new CliError(`${source}: '${cleaned[bad]}' is not a hex digit (at hex digit ${bad + 1})`);
  }
  if (cleaned.length % 2 !== 0) throw new CliError(`${source}: odd number of hex digits (${cleaned.length})`);
  if (cleaned.length === 0) throw new CliError(`${source}: no hex digits`);
  return Buffer.from(cleaned, 'hex');
}

async function readInputFile(path: string, flag: string): Promise<Buffer> {
  if (path === '-') {
    if (process.stdin.isTTY) throw new CliError(`${flag} -: standard input is a terminal; pipe the bytes into it`);
    return readStdinBytes(); // e.g. tcpdump -w - | bgplab decode --pcap -
  }
  try {
    return readFileSync(path);
  } catch (err) {
    throw cannotRead(flag, path, err);
  }
}

/** The error for an input file that cannot be read, in words rather than errno names. */
function cannotRead(flag: string, path: string, err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  return new CliError(`${flag} ${path}: cannot read (${why})`);
}

async function readStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The records of an MRT dump from a file or stdin (-), decoded as the bytes arrive, gunzipped on the
 * way when the first bytes say gzip (RIPE RIS publishes its dumps gzipped; a full-table dump is
 * gigabytes once decompressed). bzip2 (RouteViews) is named, with the command that decompresses it.
 */
async function* mrtItems(path: string): AsyncGenerator<MrtItem> {
  if (path === '-' && process.stdin.isTTY) throw new CliError('--mrt -: standard input is a terminal; pipe the dump into it');
  const input = path === '-' ? process.stdin : createReadStream(path);
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await it.next();
  } catch (err) {
    throw cannotRead('--mrt', path, err);
  }
  if (first.done || first.value.length === 0) throw new CliError(`--mrt ${path}: empty file`);
  const head = first.value;
  if (head.subarray(0, 3).toString('latin1') === 'BZh') {
    throw new CliError(`--mrt ${path}: bzip2-compressed; decompress it first: bzcat ${path} | bgplab decode --mrt -`);
  }
  async function* raw(): AsyncGenerator<Buffer> {
    yield head;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  }
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const bytes: AsyncIterable<Buffer> = gzip ? Readable.from(raw()).pipe(createGunzip()) : raw();
  try {
    yield* decodeMrtStream(bytes);
  } catch (err) {
    if (err instanceof NotMrtError) {
      throw new CliError(`--mrt ${path}: not an MRT dump (${err.message})${isCaptureFile(head) ? '; this is a packet capture: use --pcap' : ''}`);
    }
    if (gzip && (err as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new CliError(`--mrt ${path}: gzip data that does not decompress (${(err as Error).message})`);
    throw err;
  }
}

async function runDecode(hexArgs: string[], flags: DecodeFlags): Promise<number> {
  const format = parseFormat(flags.format);
  const inputs = [hexArgs.length > 0 ? 'hex arguments' : '', flags.file ? '--file' : '', flags.pcap ? '--pcap' : '', flags.mrt ? '--mrt' : ''].filter(Boolean);
  if (inputs.length > 1) throw new CliError(`give one input, not ${inputs.join(' and ')}`);
  if (flags.port !== undefined && !flags.pcap) throw new CliError('--port applies only to --pcap input');
  if (flags.mrt) {
    const given = [flags.as4 !== undefined ? '--as4' : '', flags.addpath !== undefined ? '--addpath' : '', flags.extendedMessage !== undefined ? '--extended-message' : ''].filter(Boolean);
    if (given.length > 0) throw new CliError(`${given.join(', ')}: not with --mrt (each MRT record says how its messages are encoded)`);
    return renderMrt(mrtItems(flags.mrt), format);
  }
  const options: DecodeInputOptions = {};
  if (flags.as4 !== undefined) options.as4 = flags.as4;
  if (flags.addpath !== undefined) options.addPath = parseAddPath(flags.addpath);
  if (flags.extendedMessage !== undefined) options.extendedMessage = flags.extendedMessage;
  if (flags.port !== undefined) options.ports = parsePorts(flags.port);

  let items: Iterable<DecodeItem>;
  if (flags.pcap) {
    const buf = await readInputFile(flags.pcap, '--pcap');
    if (!isCaptureFile(buf)) {
      throw new CliError(`--pcap ${flags.pcap}: not a pcap or pcapng file (first bytes ${buf.subarray(0, 4).toString('hex') || 'none: empty file'})`);
    }
    items = decodeBgpCapture(buf, options);
  } else if (flags.file) {
    const buf = await readInputFile(flags.file, '--file');
    if (isCaptureFile(buf)) throw new CliError(`--file ${flags.file}: this is a packet capture; use --pcap`);
    if (buf.length === 0) throw new CliError(`--file ${flags.file}: empty file`);
    items = decodeBgpBytes(buf, options);
  } else if (hexArgs.length > 0) {
    items = decodeBgpBytes(parseHex(hexArgs.join(' '), 'hex argument'), options);
  } else {
    if (process.stdin.isTTY) throw new CliError('no input: give hex as arguments, --file, --pcap, or pipe hex on stdin');
    items = decodeBgpBytes(parseHex((await readStdinBytes()).toString('utf8'), 'stdin'), options);
  }

  const out = new OutputBuffer();
  let malformed = false;
  let messages = 0;
  for (const item of items) {
    if (item.kind === 'note') {
      if (format === 'json') process.stderr.write(`bgplab: note: ${item.capture ? textPrefix(item.capture) : ''}${item.text}\n`);
      else await out.line(`${item.capture ? textPrefix(item.capture) : ''}-- ${item.text}`);
      continue;
    }
    messages++;
    if (item.result.errors.length > 0) malformed = true;
    const json = recordJson(item);
    if (format === 'json') await out.line(JSON.stringify(json));
    else await out.line(jsonToText(json, item.capture ? textPrefix(item.capture) : ''));
  }
  await out.flush();
  if (messages === 0 && !flags.pcap) malformed = true; // hex or file input that framed nothing
  return malformed ? 1 : 0;
}

type Capture = NonNullable<Extract<DecodeItem, { kind: 'message' }>['capture']>;

function textPrefix(c: Capture): string {
  const time = c.tsNs !== undefined ? `${isoTime(c.tsNs).replace('T', ' ').replace('Z', '')} ` : '';
  return `#${c.frame} ${time}${endpointText(c.src.address, c.src.port)} > ${endpointText(c.dst.address, c.dst.port)} `;
}

function recordJson(item: Extract<DecodeItem, { kind: 'message' }>): JsonObject {
  const o: JsonObject = {};
  if (item.capture) {
    const c = item.capture;
    if (c.tsNs !== undefined) o.time = isoTime(c.tsNs);
    o.src = c.src.address;
    o.srcPort = c.src.port;
    o.dst = c.dst.address;
    o.dstPort = c.dst.port;
    o.frame = c.frame;
  } else {
    o.offset = item.offset;
  }
  return withMessage(o, resultToJson(item.result, item.bytes), {
    ...(item.guessed ? { guessed: item.guessed } : {}),
    ...(item.conflicting ? { conflicting: true } : {}),
  });
}
