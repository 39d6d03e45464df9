/**
 * System edge: running external commands (ip, bird, vtysh, gobgp…) with bounded time, creating,
 * entering and removing Linux network namespaces, and starting, identifying and stopping long-running
 * processes by recorded PID (never by name). Everything here does I/O; nothing above the lab and
 * speaker edges should import it.
 */
export * from './exec.js';
export * from './netns.js';
export * from './proc.js';
export * from './launcher.js';
export * from './dirs.js';
