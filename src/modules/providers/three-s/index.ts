import { genericHttpProvider } from '../generic-http';
import { catalog } from './catalog';

/** No public API spec: the mailbox is driven by the generic HTTP adapter. */
export const threeS = genericHttpProvider(catalog);
