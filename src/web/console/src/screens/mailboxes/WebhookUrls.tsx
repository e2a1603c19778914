import { useId, useState } from 'react';
import type { Mailbox, Provider } from './form-state';
import { PURPOSES } from './labels';

type Copied = 'copied' | 'failed' | undefined;

function CopyRow({ purpose, url }: Mailbox['webhookUrls'][number]) {
  const id = useId();
  const [copied, setCopied] = useState<Copied>();
  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <li>
      <span id={id} className="purpose">
        {PURPOSES[purpose]}
      </span>
      <code className="url">{url}</code>
      <button type="button" onClick={copy} aria-describedby={id}>
        Copy
      </button>
      <span role="status" className="copy-status">
        {copied === 'copied' && 'Copied'}
      </span>
      {copied === 'failed' && (
        <span role="alert" className="field-error">
          The browser did not allow copying: select the address and copy it by hand.
        </span>
      )}
    </li>
  );
}

/** Our URLs to paste into the provider's panel, each with a copy button, and the provider's set-up guide. */
export function WebhookUrls({ mailbox, provider }: { mailbox: Mailbox; provider?: Provider }) {
  return (
    <section aria-labelledby="mailbox-urls" className="panel">
      <h2 id="mailbox-urls">Addresses for the provider's panel</h2>
      {mailbox.webhookUrls.length ? (
        <ul className="webhook-urls">
          {mailbox.webhookUrls.map((u) => (
            <CopyRow key={u.purpose} {...u} />
          ))}
        </ul>
      ) : (
        <p>This provider does not call smsdesk: its messages are fetched, so there is nothing to paste.</p>
      )}
      {provider && (
        <p>
          <a href={provider.guideUrl} target="_blank" rel="noopener noreferrer">
            Set-up guide for {provider.displayName}
          </a>
        </p>
      )}
    </section>
  );
}
