/**
 * The shape of a bgplab speaker's configuration file (YAML or JSON). Shared contract between the
 * speaker (which validates and runs it, src/speaker/config.ts) and the topology generator (which writes
 * one per node, src/topo). Field names follow issue #3.
 */
export interface SpeakerTimers {
  /** Hold time in seconds (0 or >= 3, RFC 4271 §4.2). Default 90. */
  hold?: number;
  /** Keepalive interval in seconds. Default hold/3 (30). */
  keepalive?: number;
  /** Upper bound of the reconnect back-off in seconds. Default 30. */
  connectRetry?: number;
}

export interface SpeakerPeerConfig {
  address: string;
  asn: number;
  /** This peer is our route-reflector client (we must have a clusterId). */
  rrClient?: boolean;
  /** Never connect out; wait for the peer. */
  passive?: boolean;
  /** TCP port of the peer (default 179). */
  port?: number;
  timers?: SpeakerTimers;
  /** Families to negotiate; default both. */
  families?: Array<'ipv4' | 'ipv6'>;
  /** Free text shown in status tables (e.g. the node name). */
  description?: string;
}

export interface SpeakerFibConfig {
  /** Kernel route protocol (id 1-255 or a name from rt_protos). Default 200 ("bgplab"). */
  protocol?: number | string;
  /** Kernel table id or name. Default main (254). */
  table?: number | string;
}

export interface SpeakerConfig {
  routerId: string;
  asn: number;
  listen?: {
    /** Addresses to listen on; default all (:: and 0.0.0.0). */
    addresses?: string[];
    /** Default 179. */
    port?: number;
  };
  /** Present: this speaker is a route reflector with this cluster id (dotted quad). */
  clusterId?: string;
  /** Default timers for every peer. */
  timers?: SpeakerTimers;
  peers: SpeakerPeerConfig[];
  /** Prefixes this node announces (its pod blocks). */
  originate?: string[];
  /** Install originated prefixes as blackhole routes locally, as Calico does. Default true. */
  blackhole?: boolean;
  /** Install learned best routes into the kernel. Default false. */
  fib?: boolean | SpeakerFibConfig;
  /** Unix socket path for the control channel. */
  control?: string;
  /** JSON-lines event log path. */
  eventLog?: string;
  /** Node name, for logs and tables. */
  name?: string;
  /**
   * RFC 4724 graceful restart. Default on: we advertise the capability for our families with
   * `restartTime` (default 120 s; forwarding state not preserved, we flush our kernel routes on start)
   * and, as Receiving Speaker, keep a restarting peer's routes as stale for min(its Restart Time,
   * `staleTime`) (default 120 s). false: no capability, routes go at once when a session ends.
   */
  gracefulRestart?: false | { restartTime?: number; staleTime?: number };
  /**
   * RFC 4271 §9.2.1.1 MinRouteAdvertisementInterval, in milliseconds, per peer: after the initial
   * table, UPDATEs to a peer go out at most once per interval, carrying every change since the last
   * (a reflector whose clients come up one after another sends each client a few batches, not one
   * UPDATE per new client). Withdrawals wait too (they ride in the same batch). Default 0: at once.
   */
  advertisementIntervalMs?: number;
}
