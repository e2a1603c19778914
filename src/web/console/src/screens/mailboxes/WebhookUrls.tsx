import { useMutation } from '@apollo/client/react';
import { useId, useState } from 'react';
import { ErrorBanner, Notice } from '../../ui/feedback';
import type { Mailbox, Provider } from './form-state';
import { PURPOSES } from './labels';
import { ROTATE } from './operations';

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

/** A new webhook token, after a confirmation: the old one stops working at once, with every URL that carries it. */
function RotateToken({ id }: { id: string }) {
  const [asking, setAsking] = useState(false);
  const [rotate, { data, loading, error }] = useMutation(ROTATE);
  async function confirm() {
    await rotate({ variables: { id } }).catch(() => undefined);
    setAsking(false);
  }
  return (
    <div className="rotate-token">
      <ErrorBanner error={error} />
      {data && !asking && <Notice>New webhook token made: paste the addresses above into the provider's panel.</Notice>}
      {asking ? (
        <div role="group" aria-label="Confirm new webhook token">
          <p>
            The addresses above stop working at once; the provider's calls are refused until the new ones are pasted.
          </p>
          <div className="actions">
            <button type="button" className="danger" onClick={confirm} disabled={loading}>
              Yes, make a new token
            </button>
            <button type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button type="button" onClick={() => setAsking(true)}>
          New webhook token
        </button>
      )}
    </div>
  );
}

/** Our URLs to paste into the provider's panel, each with a copy button, and the provider's set-up guide. */
export function WebhookUrls({ mailbox, provider }: { mailbox: Mailbox; provider?: Provider }) {
  return (
    <section aria-labelledby="mailbox-urls" className="panel">
      <h2 id="mailbox-urls">Addresses for the provider's panel</h2>
      {mailbox.webhookUrls.length ? (
        <>
          <ul className="webhook-urls">
            {mailbox.webhookUrls.map((u) => (
              <CopyRow key={u.url} {...u} />
            ))}
          </ul>
          {mailbox.hasWebhookToken && <RotateToken id={mailbox.id} />}
        </>
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
