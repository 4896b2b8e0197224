/** The era matrix (test/support/era-matrix.ts) over Streamable HTTP. */
import { eraMatrix } from './support/era-matrix.js';

eraMatrix('http');
