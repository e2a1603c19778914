import { useId } from 'react';
import type { SegmentInfo } from '../../../../../modules/outbound/segments';

const ENCODING_WORDS: Record<SegmentInfo['encoding'], string> = { GSM7: 'GSM-7', UCS2: 'Unicode' };

/**
 * What the text will cost, counted by the service's own module (the API bills the same): characters (GSM-7
 * septets or UTF-16 units), parts and encoding, and why a text is Unicode.
 */
export function SmsCounter({ seg }: { seg: SegmentInfo }) {
  const labelId = useId();
  const parts = `${seg.parts} ${seg.parts === 1 ? 'part' : 'parts'}`;
  const why = seg.nonGsmChars.length ? `, because of ${seg.nonGsmChars.slice(0, 5).join(' ')}` : '';
  return (
    <p className="sms-counter">
      <span id={labelId}>Length</span>{' '}
      <output aria-labelledby={labelId} aria-live="polite">
        {seg.units} characters · {parts} · {ENCODING_WORDS[seg.encoding]}
      </output>{' '}
      <span className="muted">
        (up to {seg.perPart} a part{why})
      </span>
    </p>
  );
}
