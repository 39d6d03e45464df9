/** `bgplab exec NODE [--lab X] [--] CMD…`: the command's own options pass through (docker exec style). */
import { describe, expect, it } from 'vitest';
import { splitExecArgs } from '../../src/cli/exec.js';

describe('splitExecArgs', () => {
  it('a command with its own options, without --', () => {
    // Regression: `bgplab exec node1 ping -c1 …` failed with "unknown option '-c1'".
    expect(splitExecArgs(['ping', '-c1', '10.244.0.1'])).toEqual({ command: ['ping', '-c1', '10.244.0.1'] });
  });
  it('our options between the node and the command, then --', () => {
    expect(splitExecArgs(['--lab', 'x', '--', 'ip', '-6', 'route'])).toEqual({ lab: 'x', command: ['ip', '-6', 'route'] });
    expect(splitExecArgs(['-t', 'a.clab.yml', 'ip', 'route'])).toEqual({ topo: 'a.clab.yml', command: ['ip', 'route'] });
    expect(splitExecArgs(['--lab=x', 'ip', '--lab', 'y'])).toEqual({ lab: 'x', command: ['ip', '--lab', 'y'] });
  });
  it('only the first -- separates; nothing after it is ours', () => {
    expect(splitExecArgs(['--', '--lab', 'x'])).toEqual({ command: ['--lab', 'x'] });
    expect(splitExecArgs(['--'])).toEqual({ command: [] });
  });
});
