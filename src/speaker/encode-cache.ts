/**
 * UPDATEs encoded once and shared by every peer sent the same group: the same attribute set, the same
 * prefixes (the RIB reuses one Nlri object per destination, so identity is enough) and the same encoding
 * (4-octet AS, ADD-PATH send, message size). A reflector sends each client's routes to every other client,
 * and a speaker its own routes to every peer: encoded once, not once per peer. The cache lives as long as
 * the speaker, not one processing pass: sessions come up one pass at a time (a mesh speaker's 99 peers, a
 * reflector's clients), and each new one is sent what the others got before. Entries stay valid (attribute
 * sets and Nlri objects are immutable, encoding is pure); the cache holds at most `maxPrefixes` prefixes and
 * drops the oldest attribute sets beyond that. Buffers are never written to after encoding, so sockets
 * can share them.
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

/** Prefixes an UpdateEncodeCache holds by default: a few hundred kilobytes of encoded UPDATEs at most. */
export const ENCODE_CACHE_MAX_PREFIXES = 8192;

export class UpdateEncodeCache {
  private readonly byAttrs = new Map<AttrSet, Entry[]>();
  private prefixCount = 0;
  /** Groups encoded / served from the cache, for tests and profiling. */
  encoded = 0;
  reused = 0;

  constructor(private readonly maxPrefixes = ENCODE_CACHE_MAX_PREFIXES) {}

  /** Prefixes held now (at most maxPrefixes). */
  get size(): number {
    return this.prefixCount;
  }

  /** encodeUpdates(family, attrs.attrs, prefixes, ctx, max), or the messages of an identical group. */
  updates(family: Family, attrs: AttrSet, prefixes: readonly Nlri[], ctx: CodecContext, max: number | undefined): Buffer[] {
    const context = `${ctx.as4 ? 1 : 0}${ctx.addPath[family].send ? 1 : 0}${max ?? ''}`;
    let entries = this.byAttrs.get(attrs);
    if (entries !== undefined) {
      for (const e of entries) {
        if (e.family === family && e.context === context && sameItems(e.prefixes, prefixes)) {
          this.reused++;
          return e.messages;
        }
      }
    }
    const messages = encodeUpdates(family, attrs.attrs, prefixes as Nlri[], ctx, max);
    this.encoded++;
    if (prefixes.length > this.maxPrefixes) return messages;
    if (entries === undefined) this.byAttrs.set(attrs, (entries = []));
    // A copy: the caller's array is its own to reuse.
    entries.push({ family, context, prefixes: prefixes.slice(), messages });
    this.prefixCount += prefixes.length;
    if (this.prefixCount > this.maxPrefixes) this.evict(attrs);
    return messages;
  }

  /**
   * Drop the oldest attribute sets (Map order) until within bounds, the one just added last; of that one,
   * the oldest groups, never the group just added (a table of one attribute set in many groups).
   */
  private evict(keep: AttrSet): void {
    for (const [a, list] of this.byAttrs) {
      if (this.prefixCount <= this.maxPrefixes) return;
      if (a === keep) continue;
      for (const e of list) this.prefixCount -= e.prefixes.length;
      this.byAttrs.delete(a);
    }
    const list = this.byAttrs.get(keep)!;
    while (this.prefixCount > this.maxPrefixes && list.length > 1) this.prefixCount -= list.shift()!.prefixes.length;
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
