/** The era matrix (test/support/era-matrix.ts) over stdio. */
import { eraMatrix } from './support/era-matrix.js';

eraMatrix('stdio');
