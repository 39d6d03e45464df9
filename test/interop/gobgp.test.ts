/** bgplab against the real gobgp from Debian, in namespaces: scenarios in suite.ts. */
import { defineInteropSuite } from './suite.js';

defineInteropSuite('gobgp', 124);
