/**
 * src/measure owns measuring labs: watching a running lab (watch.ts: speaker event logs, BIRD's control
 * socket and log, FRR/GoBGP through their CLIs, kernel FIBs with `ip monitor`, all on CLOCK_MONOTONIC),
 * data-plane probes between pod addresses (probes.ts), UPDATE counting from a fabric capture (capture.ts),
 * CPU and memory from /proc (proc.ts); and the three measurements built on them: convergence
 * (converge.ts), failover drills (drill.ts, analysed purely in drill-analysis.ts) and sweeps (sweep.ts).
 * Parsing and analysis are pure (parse.ts, observations.ts, drill-analysis.ts); the rest is the I/O edge,
 * every wait bounded, every process it starts stopped by its own handle.
 */
export { runConverge, countSessions, designOf, type ConvergeOptions } from './converge.js';
export { runDrill, type DrillOptions } from './drill.js';
export { analyzeDrill, formatDrill } from './drill-analysis.js';
export { runSweep, planSweep, progressLine, hostInfo, type SweepOptions } from './sweep.js';
export { MeasureError } from './lab-session.js';
export { formatConverge } from './text.js';
