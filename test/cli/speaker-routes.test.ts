/** `bgplab speaker routes`: routes listed in address order, best path first, as `birdc show route` does. */
import { describe, expect, it } from 'vitest';
import { sortRoutes } from '../../src/cli/speaker.js';

const r = (prefix: string, peer: string | null, best: boolean) => ({ prefix, family: prefix.includes(':') ? 'ipv6' : 'ipv4', peer, best });

describe('sortRoutes', () => {
  it('orders by family, address (numerically), prefix length, then best first', () => {
    // Regression: the Loc-RIB's hash order (10.244.0.128, 10.244.0.0, 10.244.1.0, 10.244.0.192, …).
    const routes = [
      r('fd00:10:244::80/122', null, true),
      r('10.244.0.128/26', null, true),
      r('10.244.0.0/26', '10.0.0.2', false),
      r('10.244.0.0/26', '10.0.0.1', true),
      r('10.244.1.0/26', '10.0.0.1', true),
      r('10.244.0.192/26', '10.0.0.1', true),
      r('10.244.0.0/16', '10.0.0.9', true),
      r('9.0.0.0/8', '10.0.0.9', true),
      r('fd00:10:244::/122', '10.0.0.1', true),
    ];
    expect(sortRoutes(routes).map((x) => `${x.prefix} ${x.peer}`)).toEqual([
      '9.0.0.0/8 10.0.0.9',
      '10.244.0.0/16 10.0.0.9',
      '10.244.0.0/26 10.0.0.1',
      '10.244.0.0/26 10.0.0.2',
      '10.244.0.128/26 null',
      '10.244.0.192/26 10.0.0.1',
      '10.244.1.0/26 10.0.0.1',
      'fd00:10:244::/122 10.0.0.1',
      'fd00:10:244::80/122 null',
    ]);
    expect(routes[0].prefix).toBe('fd00:10:244::80/122'); // the input is not reordered in place
  });
});
