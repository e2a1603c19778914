import fs from 'node:fs';
import path from 'node:path';

/** One finding of the log scan: where, what rule, and a short excerpt with the secret itself masked. */
export interface LogFinding {
  file: string;
  line: number;
  rule: string;
  excerpt: string;
}

/** Keys whose values must never reach a log line unredacted (pino redact leaves "[redacted]"). */
const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'webhookToken',
  'certificatePem',
  'authorization',
  'x-webhook-token',
  'cookie',
  'secret',
  'apiKey',
];
/** Keys that would carry message text. */
const TEXT_KEYS = ['text', 'body', 'message_text', 'tresc', 'sms_text', 'content'];

const RULES: { rule: string; re: RegExp }[] = [
  { rule: 'bearer token (smsd_…)', re: /smsd_[A-Za-z0-9_-]{20,}/ },
  { rule: 'PEM private key', re: /PRIVATE KEY/ },
  { rule: 'Authorization header value', re: /Bearer\s+[A-Za-z0-9._~+/-]{8,}/i },
  { rule: 'token in a URL', re: /[?&](token|access_token|password|pass|apikey|api_key)=(?!\[redacted\])[^&"\s]{3,}/i },
  ...SECRET_KEYS.map((k) => ({
    rule: `"${k}" value`,
    re: new RegExp(`"${k}"\\s*:\\s*"(?!\\[redacted\\])[^"]+"`, 'i'),
  })),
  ...TEXT_KEYS.map((k) => ({
    rule: `message text in "${k}"`,
    re: new RegExp(`"${k}"\\s*:\\s*"(?!\\[redacted\\])[^"]{1,}"`),
  })),
];

/**
 * Scans pino JSON log files for secrets and message text in lines at info level or above (level >= 30), the
 * lines a production instance at LOG_LEVEL=info would write. `extra` are literal strings (passwords, texts)
 * known to the caller.
 */
export function scanLogs(files: string[], extra: string[] = []): LogFinding[] {
  const found: LogFinding[] = [];
  const literals = extra.filter((s) => s.length >= 6);
  for (const file of files) {
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = content.split('\n');
    lines.forEach((text, i) => {
      if (!text) return;
      let level = 30;
      try {
        level = (JSON.parse(text) as { level?: number }).level ?? 30;
      } catch {
        /* not JSON: scan it anyway */
      }
      if (level < 30) return;
      const hit = (rule: string, at: number, len: number) =>
        found.push({
          file: path.basename(file),
          line: i + 1,
          rule,
          excerpt: (text.slice(Math.max(0, at - 60), at) + '«…»' + text.slice(at + len, at + len + 60)).replace(
            /\s+/g,
            ' ',
          ),
        });
      for (const { rule, re } of RULES) {
        const m = re.exec(text);
        if (m) hit(rule, m.index, m[0].length);
      }
      for (const s of literals) {
        const at = text.indexOf(s);
        if (at >= 0) hit('known secret or message text', at, s.length);
      }
    });
  }
  return found;
}

export function logFilesIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ndjson'))
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}
