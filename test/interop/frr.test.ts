/** bgplab against the real frr from Debian, in namespaces: scenarios in suite.ts. */
import { defineInteropSuite } from './suite.js';

defineInteropSuite('frr', 122);
