import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { formErrors } from '../../errors';
import type { MailboxTestMutation } from '../../gql/graphql';
import { ErrorBanner } from '../../ui/feedback';
import { TextField } from '../../ui/fields';
import { formatDateTime } from '../../ui/format';
import type { Mailbox } from './form-state';
import { TEST } from './operations';

type TestResult = MailboxTestMutation['testGateway'];

function TestResultView({ result, fresh }: { result: TestResult; fresh: boolean }) {
  return (
    <div className="test-result">
      <p role="status" className={result.ok ? 'status-ok' : 'status-bad'}>
        {result.ok ? 'Test passed' : 'Test failed'}
        {fresh ? '' : ` (last test, ${formatDateTime(result.testedAt)})`}
      </p>
      <ul className="checks" aria-label="Checks">
        {result.checks.map((c, i) => (
          <li key={i} className={c.ok ? 'check-ok' : 'check-bad'}>
            <span className="check-name">{c.name}</span>: <span>{c.ok ? 'passed' : 'failed'}</span> —{' '}
            <span className="check-detail">{c.detail}</span>
          </li>
        ))}
      </ul>
      <p className="muted">
        {result.balance != null && <>Balance: {result.balance}. </>}
        Took {result.latencyMs} ms.
      </p>
    </div>
  );
}

/** "Test": the provider's own check of the configuration, and optionally one real (paid) test SMS. */
export function GatewayTest({ mailbox }: { mailbox: Mailbox }) {
  const [to, setTo] = useState('');
  const [test, { data, loading, error }] = useMutation(TEST);
  async function run(e: FormEvent) {
    e.preventDefault();
    await test({ variables: { id: mailbox.id, to: to.trim() || null } }).catch(() => undefined);
  }
  const result = data?.testGateway ?? mailbox.lastTest;
  const { byField: errors, banner } = formErrors(error, ['sendTestSmsTo']);
  return (
    <section aria-labelledby="mailbox-test" className="panel">
      <h2 id="mailbox-test">Test</h2>
      <form onSubmit={run}>
        <TextField
          label="Send a test SMS to (optional)"
          type="tel"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          help="Empty: only checks the configuration and spends nothing. A number: also sends one real, paid SMS to it."
          error={errors.sendTestSmsTo}
        />
        <div className="actions">
          <button type="submit" disabled={loading}>
            Test
          </button>
        </div>
      </form>
      <ErrorBanner error={banner} />
      {loading && <p role="status">Testing…</p>}
      {result && !loading && <TestResultView result={result} fresh={!!data} />}
    </section>
  );
}
