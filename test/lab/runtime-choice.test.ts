/** `--runtime auto|netns|containerlab`: the choice is a pure function of what the machine offers. */
import { describe, expect, it } from 'vitest';
import { chooseRuntime } from '../../src/lab/containerlab-runtime.js';

const machine = (containerlab: boolean, docker: boolean, root: boolean) => ({ containerlab, docker, root });

describe('chooseRuntime', () => {
  it('auto picks containerlab only when containerlab and a Docker engine both answer', () => {
    expect(chooseRuntime('auto', machine(true, true, true))).toMatchObject({ runtime: 'containerlab' });
    expect(chooseRuntime('auto', machine(true, true, false))).toMatchObject({ runtime: 'containerlab' });
    expect(chooseRuntime('auto', machine(true, false, true))).toMatchObject({ runtime: 'netns' });
    expect(chooseRuntime('auto', machine(false, true, true))).toMatchObject({ runtime: 'netns' });
    expect(chooseRuntime('auto', machine(false, false, true))).toMatchObject({ runtime: 'netns' });
    // Regression: read "no containerlab and a running Docker engine", as if Docker were running.
    expect(chooseRuntime('auto', machine(false, false, true))).toMatchObject({ reason: 'containerlab and a running Docker engine not found: using network namespaces' });
  });

  it('auto without containerlab nor root explains both', () => {
    const d = chooseRuntime('auto', machine(false, false, false));
    expect('error' in d && d.error).toMatch(/containerlab.*Docker.*root/);
  });

  it('an explicit runtime is honoured or refused with the reason', () => {
    expect(chooseRuntime('netns', machine(true, true, true))).toMatchObject({ runtime: 'netns' });
    expect(chooseRuntime('netns', machine(true, true, false))).toEqual({ error: expect.stringMatching(/root/) });
    expect(chooseRuntime('containerlab', machine(true, false, true))).toEqual({ error: expect.stringMatching(/Docker engine/) });
    expect(chooseRuntime('containerlab', machine(false, true, true))).toEqual({ error: expect.stringMatching(/^the containerlab runtime needs containerlab,?/) });
  });

  it('refuses an unknown runtime naming the value', () => {
    expect(chooseRuntime('docker', machine(true, true, true))).toEqual({ error: expect.stringContaining('"docker"') });
  });
});
