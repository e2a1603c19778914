import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/**
 * SOAP 1.2 as the 3S platform speaks it (W3C SOAP 1.2 Part 1 §5 envelope and §5.4 fault; Part 2 §7 HTTP
 * binding): an envelope in the 1.2 namespace, posted as `application/soap+xml`, answered with a body or a
 * Fault. XML is built and read with fast-xml-parser, so text is escaped and entities decoded by the library.
 */

/** The SOAP 1.2 envelope namespace (DOCUMENTED, W3C SOAP 1.2 Part 1 §5). */
export const SOAP12_ENV = 'http://www.w3.org/2003/05/soap-envelope';

/** The SOAP 1.2 media type (DOCUMENTED, W3C SOAP 1.2 Part 2 §7.1.4; RFC 3902). */
export const SOAP12_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

export type SoapValue = string | number | undefined;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** One request envelope: the operation element in `ns`, its children in the order given, no namespace. */
export function soapRequest(ns: string, operation: string, children: Record<string, SoapValue>): string {
  const parts: Record<string, SoapValue> = {};
  for (const [k, v] of Object.entries(children)) if (v !== undefined) parts[k] = v;
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'env:Envelope': {
      '@_xmlns:env': SOAP12_ENV,
      'env:Body': { [`op:${operation}`]: { '@_xmlns:op': ns, ...parts } },
    },
  }) as string;
}

/** A SOAP 1.2 Fault: its code value (`Sender`, `Receiver`…, prefix removed), subcode and reason text. */
export interface SoapFault {
  code: string;
  subcode?: string;
  reason: string;
}

/** What an answer held: the first element of the Body, or a Fault, or neither (not a SOAP envelope). */
export type SoapAnswer =
  { kind: 'body'; element: string; content: unknown } | { kind: 'fault'; fault: SoapFault } | { kind: 'none' };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: true,
  // External entities and DTDs are never resolved: the parser has no such feature.
});

const localName = (v: unknown) =>
  String(v ?? '')
    .replace(/^[^:]*:/, '')
    .trim();

/** The text of a node that may be a string or an object holding `#text`. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return text(v[0]);
  if (v && typeof v === 'object' && '#text' in v) return String((v as Record<string, unknown>)['#text']);
  return undefined;
}

/** A Fault element as the parser gives it (prefixes removed). */
interface FaultNode {
  Code?: { Value?: unknown; Subcode?: { Value?: unknown } };
  Reason?: { Text?: unknown };
  faultcode?: unknown;
  faultstring?: unknown;
}

/** Reads an answer; never throws (a body that is not XML is `none`). */
export function parseSoap(xml: string): SoapAnswer {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return { kind: 'none' };
  }
  const body = (doc as { Envelope?: { Body?: unknown } } | undefined)?.Envelope?.Body;
  if (!body || typeof body !== 'object') return { kind: 'none' };
  const entries = Object.entries(body as Record<string, unknown>);
  const fault = entries.find(([k]) => k === 'Fault')?.[1] as FaultNode | undefined;
  if (fault) {
    // SOAP 1.2 names it Code/Value and Reason/Text; a 1.1-style faultcode/faultstring is read too.
    const code = localName(text(fault.Code?.Value) ?? text(fault.faultcode));
    const subcode = text(fault.Code?.Subcode?.Value);
    const reason = text(fault.Reason?.Text) ?? text(fault.faultstring) ?? '';
    return { kind: 'fault', fault: { code, subcode: subcode ? localName(subcode) : undefined, reason } };
  }
  const first = entries.find(([k]) => !k.startsWith('?') && k !== '#text');
  return first ? { kind: 'body', element: first[0], content: first[1] } : { kind: 'none' };
}

/** The text of the first element named `name` anywhere under `node` (depth first). */
export function findText(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const rec = node as Record<string, unknown>;
  if (name in rec) {
    const t = text(rec[name]);
    if (t !== undefined) return t.trim();
    if (typeof rec[name] === 'number') return String(rec[name]);
  }
  for (const v of Object.values(rec)) {
    const found = findText(v, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The text of a response element's one value, whatever its child is called (`return`, `sessionId`…). */
export function onlyText(content: unknown): string | undefined {
  const direct = text(content);
  if (direct !== undefined) return direct.trim() || undefined;
  if (!content || typeof content !== 'object') return undefined;
  for (const v of Object.values(content as Record<string, unknown>)) {
    const t = onlyText(v);
    if (t) return t;
  }
  return undefined;
}
