/** Finding a deployed lab from what the user gives: a topology file, a lab name, or nothing (the only lab). */
import { labOfTopologyFile } from './destroy.js';
import { netnsExists } from '../sys/netns.js';
import { indexEntry, listIndex, loadState, type IndexEntry, type LabState } from './state.js';

export class LabNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabNotFound';
  }
}

/** A node name that is not in the lab (a bad --node / --target value). */
export class NodeNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeNotFound';
  }
}

export function resolveLab(opts: { lab?: string; topology?: string }): LabState {
  if (opts.topology) {
    const { name, labDir } = labOfTopologyFile(opts.topology);
    const s = loadState(labDir);
    if (!s) throw new LabNotFound(`lab ${name} (${opts.topology}) is not deployed: no ${labDir}/state.json`);
    return s;
  }
  if (opts.lab) {
    const e = indexEntry(opts.lab);
    if (!e) {
      const known = listIndex().map((x) => x.name);
      throw new LabNotFound(`no deployed lab named ${JSON.stringify(opts.lab)}${known.length ? ` (deployed: ${known.join(', ')})` : ''}`);
    }
    const s = loadState(e.labDir);
    if (!s) throw new LabNotFound(`lab ${opts.lab}: its state ${e.labDir}/state.json is gone; run bgplab destroy --lab ${opts.lab}`);
    return s;
  }
  const all = listIndex();
  if (all.length === 0) throw new LabNotFound('no lab is deployed');
  if (all.length > 1) throw new LabNotFound(`several labs are deployed (${all.map((e) => e.name).join(', ')}): choose one with --lab NAME`);
  return resolveLab({ lab: all[0].name });
}

/** Every deployed lab whose state can be read (for `inspect` without --lab). */
export function allLabs(): LabState[] {
  return listIndex()
    .map((e) => loadState(e.labDir))
    .filter((s): s is LabState => !!s);
}

/**
 * Labs in the machine-wide index whose state file is gone (their directory removed by hand, or a crash
 * before it was written), with the namespaces of theirs that still exist: `inspect` shows them, so that
 * what is left running is not invisible, and `destroy --lab NAME` removes them from the index's record.
 */
export function labsWithoutState(): Array<{ entry: IndexEntry; namespaces: string[] }> {
  return listIndex()
    .filter((e) => !loadState(e.labDir))
    // Only what destroy would remove: namespaces named for the lab (clab-<lab>-…), as it created them.
    .map((entry) => ({ entry, namespaces: entry.namespaces.filter((ns) => ns.startsWith(`clab-${entry.name}-`) && netnsExists(ns)) }));
}
