import { inbound } from '../generic-http/inbound';
import { defineProvider } from '../provider';
import { catalog } from './catalog';
import { outbound } from './outbound';

/**
 * 3S: sends through its SOAP service (outbound.ts); inbound is not known, so a push can only be read through
 * the generic HTTP settings' field mapping.
 */
export const threeS = defineProvider({ catalog, inbound, outbound });
