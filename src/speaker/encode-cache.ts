/**
 * UPDATEs encoded once per processing pass and shared by every peer sent the same group: the same
 * attribute set, the same prefixes (the RIB reuses one Nlri object per destination, so identity is
 * enough) and the same encoding (4-octet AS, ADD-PATH send, message size). A reflector sends each
 * client's routes to every other client, and a speaker its own routes to every peer: encoded once,
 * not once per peer. Buffers are never written to after encoding, so sockets can share them.
 */
import type { AttrSet } from '../rib/index.js';
import { encodeEndOfRib, encodeUpdates } from '../wire/index.js';
import type { CodecContext, Family, Nlri } from '../wire/types.js';

interface Entry {
  family: Family;
  context: string;
  prefixes: readonly Nlri[];
  messages: Buffer[];
}

/** The End-of-RIB markers (RFC 4724 §2) are constant. */
const END_OF_RIB: Record<Family, Buffer> = { ipv4: encodeEndOfRib('ipv4'), ipv6: encodeEndOfRib('ipv6') };

export function endOfRibMessage(family: Family): Buffer {
  return END_OF_RIB[family];
}

export class PassEncodeCache {
  private readonly byAttrs = new Map<AttrSet, Entry[]>();
  /** Groups encoded / served from the cache, for tests and profiling. */
  encoded = 0;
  reused = 0;

  /** encodeUpdates(family, attrs.attrs, prefixes, ctx, max), or the messages of an identical group. */
  updates(family: Family, attrs: AttrSet, prefixes: readonly Nlri[], ctx: CodecContext, max: number | undefined): Buffer[] {
    const context = `${ctx.as4 ? 1 : 0}${ctx.addPath[family].send ? 1 : 0}${max ?? ''}`;
    let entries = this.byAttrs.get(attrs);
    if (entries === undefined) this.byAttrs.set(attrs, (entries = []));
    for (const e of entries) {
      if (e.family === family && e.context === context && sameItems(e.prefixes, prefixes)) {
        this.reused++;
        return e.messages;
      }
    }
    const messages = encodeUpdates(family, attrs.attrs, prefixes as Nlri[], ctx, max);
    entries.push({ family, context, prefixes, messages });
    this.encoded++;
    return messages;
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
