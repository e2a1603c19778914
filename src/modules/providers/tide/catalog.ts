import { ProviderId } from '../catalog.types';
import { withoutPublicSpec } from '../generic-http/catalog';

// Spec: shared/providers/tide.md
export const catalog = withoutPublicSpec(ProviderId.TIDE, 'Tide', {
  brand: 'Tide',
  vendor: 'Tide Mobile',
  slug: 'tide',
  baseUrlHelp: 'Optional base URL the generic send template can use; there is no default.',
  notes: [
    'No public SMS API spec was found for Tide (Tide Software / Tide Mobile), so the mailbox uses the generic HTTP settings (tide.md, Summary).',
    'Send, verify, inbound and delivery reports are all unknown (tide.md, every section), so every capability is UNKNOWN.',
    'The domain tide.pl appeared in no source; the company domains are tidesoftware.pl and tidemobile.pl (tide.md, Summary).',
    'Default prefixes are a Polish default, not from the spec (tide.md, Numbers and text: unknown).',
  ],
});
