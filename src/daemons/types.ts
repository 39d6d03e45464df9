/** Shapes shared by the daemon adapters, the lab runtime and the interop tests. */
import type { ProcIdentity } from '../sys/proc.js';

export type DaemonImpl = 'bgplab' | 'bird' | 'frr' | 'gobgp';
export const DAEMON_IMPLS: readonly DaemonImpl[] = ['bgplab', 'bird', 'frr', 'gobgp'];
export type AddressFamily = 'ipv4' | 'ipv6';

export interface StartDaemonOptions {
  impl: DaemonImpl;
  /** Existing network namespace the daemon runs in. */
  ns: string;
  /** The daemon's main configuration file (bgplab.json, bird.conf, frr.conf, gobgpd.toml). */
  configPath: string;
  /** Directory for logs, PID files and sockets (created if missing). The bgplab speaker runs with it as cwd. */
  runDir: string;
  /** Node name, for messages and FRR's path space. */
  name: string;
  /**
   * Prefixes the node originates. Only GoBGP needs them here: its configuration file cannot originate
   * routes, so they are injected with `gobgp global rib add` once its API answers.
   */
  originate?: Array<string | { prefix: string; nextHop?: string }>;
  /** bgplab: path of the lean speaker entry (default dist/src/speaker/main.js beside this module). */
  speakerEntry?: string;
  /** Bound on the start sequence (FRR waits for zebra's socket, GoBGP for its API). Default 10 s. */
  timeoutMs?: number;
  /** Called as soon as each process is spawned, before any wait: lets the caller persist its PID. */
  onSpawn?: (proc: DaemonProcess) => void;
}

/** One process of a daemon (FRR has three: zebra, then staticd and bgpd). */
export interface DaemonProcess extends ProcIdentity {
  role: 'bird' | 'zebra' | 'staticd' | 'bgpd' | 'gobgpd' | 'speaker';
  log: string;
}

/**
 * Everything needed to query and stop a started daemon, from this process or another one (it is plain
 * JSON: the lab stores it in state.json).
 */
export interface DaemonHandle {
  impl: DaemonImpl;
  name: string;
  ns: string;
  runDir: string;
  configPath: string;
  /** In start order; stopped in reverse order. */
  processes: DaemonProcess[];
  /** BIRD control socket | FRR vty socket directory | GoBGP API socket | speaker control socket. */
  control: string;
  /** bgplab: the speaker's JSON-lines event log; null for the others. */
  eventLog: string | null;
  /** Kernel route protocol the daemon installs learned routes with (`ip route … proto X`); null: no FIB. */
  kernelProtocol: string | null;
  /** Paths the daemon creates outside runDir (FRR's /var/run/frr/<name>), removed by stopDaemon. */
  extraPaths: string[];
}

/** One BGP session as seen from a daemon, normalized over the four implementations. */
export interface PeerState {
  address: string;
  asn: number;
  /** RFC 4271 §8.2.2 state name: Idle, Connect, Active, OpenSent, OpenConfirm, Established. */
  state: string;
  /** When the session entered its current state (ISO), when the daemon says. */
  since?: string;
  /** Free text: last error, or the daemon's extra info. */
  info?: string;
  /** Prefixes received on the session (all families). */
  prefixesReceived?: number;
  /** Families the session carries (negotiated or configured). */
  families?: AddressFamily[];
}

export interface DaemonStatus {
  impl: DaemonImpl;
  peers: PeerState[];
  /** Best routes learned from BGP peers (locally originated prefixes not counted), per family. */
  routes: { ipv4: number; ipv6: number };
}

export interface KernelRoute {
  dst: string;
  family: AddressFamily;
  /** unicast, blackhole, unreachable… */
  type: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}
