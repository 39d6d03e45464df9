/**
 * src/lab owns the lab runtime: deploying a containerlab topology (as loaded by src/topo) with network
 * namespaces, veth and a bridge in its own namespace (NetnsRuntime) or with containerlab itself
 * (ContainerlabRuntime, chosen by `--runtime auto` when containerlab and Docker answer), starting one
 * daemon per node through src/daemons, recording everything it creates (state.json, per-node pids.json,
 * the machine-wide index) so that inspect, status and destroy work from any process, even after a crash
 * or an interrupted deploy. Planning and summarizing are pure (plan.ts, status.ts summaries).
 */
export * from './plan.js';
export * from './state.js';
export { NetnsRuntime, LabError, type DeployOptions } from './netns-runtime.js';
export * from './containerlab-runtime.js';
export * from './destroy.js';
export * from './status.js';
export * from './resolve.js';
export { mapLimit } from './limit.js';
