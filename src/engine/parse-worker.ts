/** Parse worker entry: PNG Info and the token counter run here, never on the page thread. */
import { expose } from 'comlink';
import { installErrorTransfer } from './error-transfer.ts';
import { Parser } from './parse-impl.ts';

installErrorTransfer();
expose(new Parser());
