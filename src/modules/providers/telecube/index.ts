import { defineProvider } from '../provider';
import { catalog } from './catalog';
import { inbound } from './inbound';
import { outbound } from './outbound';

export const telecube = defineProvider({ catalog, inbound, outbound });
