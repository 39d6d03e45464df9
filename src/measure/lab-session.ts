/**
 * A lab under watch: deployed fresh with the watcher, kernel monitors, fabric capture and probes all
 * started from the deploy's `beforeDaemons` hook (so nothing a daemon does goes unseen), or a running
 * lab attached to (its speakers' event logs still hold the whole history; polled daemons only say what
 * they hold from now on).
 */
import { join } from 'node:path';
import { NetnsRuntime } from '../lab/netns-runtime.js';
import { resolveLab } from '../lab/resolve.js';
import type { LabState } from '../lab/state.js';
import { loadTopology } from '../topo/load.js';
import type { LabTopology } from '../topo/model.js';
import { FabricCapture } from './capture.js';
import { choosePairs, PingProbe } from './probes.js';
import { LabWatcher } from './watch.js';

export class MeasureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeasureError';
  }
}

export interface SessionOptions {
  /** BIRD polling interval (ms). Default 20. */
  resolutionMs?: number;
  /** Probe pairs started with the lab (0: none). Default 8. */
  probePairs?: number;
  /** Probe interval per pair (ms). Default 10. */
  probeIntervalMs?: number;
  /** Count UPDATEs with a fabric capture (needs tcpdump). Default off. */
  capture?: boolean;
  progress?: (message: string) => void;
  signal?: AbortSignal;
  speakerEntry?: string;
}

export interface LabSession {
  state: LabState;
  topo: LabTopology;
  watcher: LabWatcher;
  probes: PingProbe[];
  capture?: FabricCapture;
  captureNote?: string;
  fresh: boolean;
}

/** Deploy with everything watching from before the first daemon starts. */
export async function deployWatched(topo: LabTopology, opts: SessionOptions): Promise<LabSession> {
  let watcher: LabWatcher | undefined;
  let probes: PingProbe[] = [];
  let capture: FabricCapture | undefined;
  let captureNote: string | undefined;
  const say = opts.progress ?? (() => {});
  const cleanupWatch = async () => {
    watcher?.stop();
    await Promise.all(probes.map((p) => p.stop()));
    await capture?.stop();
  };
  try {
    const state = await new NetnsRuntime().deploy(topo, {
      signal: opts.signal,
      progress: say,
      speakerEntry: opts.speakerEntry,
      beforeDaemons: async (st) => {
        watcher = new LabWatcher(st, { resolutionMs: opts.resolutionMs });
        await watcher.startKernelMonitors();
        if (opts.capture && st.fabricNs) {
          if (await FabricCapture.available()) {
            capture = new FabricCapture(st.fabricNs, join(topo.labDir, 'fabric-bgp.pcap'));
            try {
              await capture.start();
            } catch (e) {
              captureNote = (e as Error).message;
              capture = undefined;
            }
          } else captureNote = 'tcpdump not installed: UPDATE counts not measured';
        }
        probes = choosePairs(st, opts.probePairs ?? 8).map((p) => new PingProbe(p, opts.probeIntervalMs ?? 10));
        for (const p of probes) p.start();
      },
    });
    if (!watcher) throw new MeasureError('deploy did not call beforeDaemons: cannot watch the lab');
    watcher.attach(state);
    return { state, topo, watcher, probes, capture, captureNote, fresh: true };
  } catch (e) {
    await cleanupWatch();
    throw e;
  }
}

export async function attachRunning(labName: string, opts: SessionOptions): Promise<LabSession> {
  const state = resolveLab({ lab: labName });
  if (state.status !== 'running') throw new MeasureError(`lab ${labName} is ${state.status}, not running`);
  const topo = loadTopology(state.topologyFile);
  const watcher = new LabWatcher(state, { resolutionMs: opts.resolutionMs });
  await watcher.startKernelMonitors();
  watcher.attach(state);
  const probes = choosePairs(state, opts.probePairs ?? 8).map((p) => new PingProbe(p, opts.probeIntervalMs ?? 10));
  for (const p of probes) p.start();
  return { state, topo, watcher, probes, fresh: false, captureNote: 'running lab: UPDATEs before watching began are unknown' };
}

