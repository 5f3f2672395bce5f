/** Worker entry: parsing runs here so the page stays responsive. */
import { expose } from 'comlink';
import { Engine } from './engine.ts';
import { installErrorTransfer } from './error-transfer.ts';

installErrorTransfer();
expose(new Engine());
