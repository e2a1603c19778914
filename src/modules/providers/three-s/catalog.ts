import { ProviderId } from '../catalog.types';
import { withoutPublicSpec } from '../generic-http/catalog';

// Spec: shared/providers/3s.md
export const catalog = withoutPublicSpec(ProviderId.THREE_S, '3S (platformy2.3s.pl)', {
  brand: '3S',
  vendor: '3S',
  slug: 'three_s',
  baseUrlHelp: 'Optional base URL (e.g. on platformy2.3s.pl) the generic send template can use; there is no default.',
  notes: [
    'No public documentation exists for platformy2.3s.pl, so the mailbox uses the generic HTTP settings (3s.md, Summary).',
    'Send, verify, inbound and delivery reports are all unknown (3s.md, every section), so every capability is UNKNOWN.',
    'It is not even known whether the platform is HTTP-based rather than SMPP or a web panel only (3s.md, Open question 2).',
    'Default prefixes are a Polish default, not from the spec (3s.md, Numbers and text: unknown).',
  ],
});
