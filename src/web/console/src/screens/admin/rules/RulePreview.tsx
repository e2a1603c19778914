import { useLazyQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { formErrors } from '../../../errors';
import type { RulesChoicesQuery, RulesPreviewQuery } from '../../../gql/graphql';
import { ErrorBanner } from '../../../ui/feedback';
import { SelectField, TextField } from '../../../ui/fields';
import { PREVIEW } from './operations';
import { ruleWording } from './wording';

/** The preview's arguments, as the API names them in its violations. */
const FIELDS = ['gatewayId', 'from', 'text'] as const;

/**
 * "Which queue would this SMS reach?": the API walks the active rules for a message that did not arrive. The
 * answer on screen follows the rules: every change of a rule reads it again (AFTER_RULE_CHANGE).
 */
export function RulePreview({ choices }: { choices: RulesChoicesQuery }) {
  const [gatewayId, setGatewayId] = useState(choices.gateways[0]?.id ?? '');
  const [from, setFrom] = useState('');
  const [text, setText] = useState('');
  const [run, { data, error, loading }] = useLazyQuery(PREVIEW, { fetchPolicy: 'network-only' });
  const { byField, banner } = formErrors(error, FIELDS);

  function submit(e: FormEvent) {
    e.preventDefault();
    void run({ variables: { gatewayId, from, text } }).catch(() => undefined);
  }

  return (
    <section aria-labelledby="rule-preview">
      <h2 id="rule-preview">Which queue would this SMS reach?</h2>
      {choices.gateways.length === 0 ? (
        <p>There is no mailbox yet to preview a message of.</p>
      ) : (
        <form className="panel" onSubmit={submit} aria-labelledby="rule-preview" noValidate>
          <SelectField
            label="Mailbox"
            value={gatewayId}
            error={byField.gatewayId}
            onChange={(e) => setGatewayId(e.target.value)}
          >
            {choices.gateways.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </SelectField>
          <TextField label="From" value={from} error={byField.from} onChange={(e) => setFrom(e.target.value)} />
          <TextField label="Text" value={text} error={byField.text} onChange={(e) => setText(e.target.value)} />
          <ErrorBanner error={banner} />
          <div className="actions">
            <button type="submit" className="primary" disabled={loading}>
              Show the queue
            </button>
          </div>
          <div role="status" className="preview-result">
            {data && !error && <PreviewAnswer preview={data.previewMessageRules} />}
          </div>
        </form>
      )}
    </section>
  );
}

function PreviewAnswer({ preview }: { preview: RulesPreviewQuery['previewMessageRules'] }) {
  const deciding = preview.decidingRule?.rule;
  return (
    <>
      <p>
        This SMS would reach the queue <strong>{preview.queueName}</strong>.
      </p>
      <p>
        {deciding
          ? `Decided by the rule "${deciding.name}": ${ruleWording(deciding)}.`
          : 'No active rule matches it: it goes to the default queue.'}
      </p>
      {preview.applied.length > 0 && (
        <>
          <p>Rules applied, in walk order:</p>
          <ol className="preview-steps">
            {preview.applied.map((step) => (
              <li key={step.rule.id}>
                {step.rule.name}: {ruleWording(step.rule)}
                {step.stopped && ' (the walk ends here)'}
              </li>
            ))}
          </ol>
        </>
      )}
      <p className="muted">Sender as it would be stored: {preview.from}</p>
    </>
  );
}
