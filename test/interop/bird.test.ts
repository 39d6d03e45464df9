/** bgplab against the real bird from Debian, in namespaces: scenarios in suite.ts. */
import { defineInteropSuite } from './suite.js';

defineInteropSuite('bird', 120);
