/** Shapes of the control socket answers (contracts.md), shared by the speaker, its CLI and the lab. */

export interface PeerStatus {
  address: string;
  asn: number;
  type: 'ibgp' | 'ebgp';
  rrClient: boolean;
  /** RFC 4271 §8.2.2 state name: Idle, Connect, Active, OpenSent, OpenConfirm, Established. */
  state: string;
  /** When the peer entered its current state (ISO), null before the first change. */
  since: string | null;
  lastError: string | null;
  prefixes: { received: number; accepted: number; sent: number };
  messages: { in: number; out: number };
  description?: string | null;
  /** Families negotiated on the current session (empty unless Established). */
  families?: string[];
  /** Negotiated hold time (s) on the current session. */
  holdTime?: number | null;
  /** Routes of this peer kept as stale after it went down without a NOTIFICATION (RFC 4724 §4.2). */
  staleRoutes?: number;
}

export interface SpeakerStatus {
  name: string;
  routerId: string;
  asn: number;
  clusterId: string | null;
  uptimeMs: number;
  peers: PeerStatus[];
  rib: { ipv4: { routes: number }; ipv6: { routes: number } };
  fib: { installed: number };
}

export interface RouteEntry {
  prefix: string;
  family: 'ipv4' | 'ipv6';
  nextHop: string | null;
  /** Peer address the path came from; null for a locally originated prefix. */
  peer: string | null;
  best: boolean;
  /** Path attributes named as `bgplab decode -f json` names them. */
  attributes: Record<string, unknown>;
  /** Kept after its peer went down without a NOTIFICATION, awaiting re-announcement (RFC 4724 §4.2). */
  stale?: boolean;
}

export interface RoutesResponse {
  routes: RouteEntry[];
}
