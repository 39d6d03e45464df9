/**
 * src/capture owns getting BGP messages out of recorded bytes: pcap and pcapng files (pcap.ts),
 * link, IP and TCP headers (packet.ts), TCP reassembly per direction with retransmissions,
 * reordering and gaps (reassembly.ts), BGP framing with resynchronisation (framer.ts), and the
 * pipeline that hands each message to the codec with the session context it needs (decode.ts);
 * and MRT routing dumps, whose records carry messages and RIB entries (mrt.ts). Everything here is pure over Buffers; reading files is the caller's business (src/cli/decode.ts).
 */
export * from './pcap.js';
export * from './packet.js';
export * from './reassembly.js';
export * from './framer.js';
export * from './decode.js';
export * from './mrt.js';
