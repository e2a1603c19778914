/** GET /metrics as Prometheus scrapes it, and the samples of the answer. */

export interface Scrape {
  status: number;
  contentType: string | null;
  requestId: string | null;
  text: string;
  /** The value of one series (all of `labels` must match; a series with more labels matches too); 0 when absent. */
  value(name: string, labels?: Record<string, string>): number;
  /** Whether a series of that name and labels is in the answer at all. */
  has(name: string, labels?: Record<string, string>): boolean;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (one sample a line; label values with \\ \" \n escapes). */
export function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    out.push({ name: m[1], labels, value: m[4] === 'Nan' ? NaN : Number(m[4]) });
  }
  return out;
}

export async function scrape(url: string, token?: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, {
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  const all = res.status === 200 ? samples(text) : [];
  const matching = (name: string, labels: Record<string, string> = {}) =>
    all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    requestId: res.headers.get('x-request-id'),
    text,
    value: (name, labels) => matching(name, labels).reduce((n, s) => n + s.value, 0),
    has: (name, labels) => matching(name, labels).length > 0,
  };
}
