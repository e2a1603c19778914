import { FormActions } from '../../../ui/FormActions';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { MessageRuleInput, RulesChoicesQuery, RulesRuleFragment } from '../../../gql/graphql';
import { ErrorBanner } from '../../../ui/feedback';
import { CheckboxField, SelectField, TextField } from '../../../ui/fields';
import { useSubmit } from '../../../ui/useSubmit';
import { useFocusOnOpen } from '../focus';

/** The form's fields, by the MessageRuleInput field the API names in its violations. */
const FIELDS = ['name', 'gatewayId', 'queueId', 'stop', 'active'] as const;

interface Values {
  name: string;
  /** '' is "any mailbox". */
  gatewayId: string;
  queueId: string;
  stop: boolean;
  active: boolean;
}

/** A new rule stops the walk and is active, as the API makes it when not told otherwise. */
const NEW_RULE: Values = { name: '', gatewayId: '', queueId: '', stop: true, active: true };

function valuesOf(rule: RulesRuleFragment): Values {
  return {
    name: rule.name,
    gatewayId: rule.gateway?.id ?? '',
    queueId: rule.queue.id,
    stop: rule.stop,
    active: rule.active,
  };
}

/** The input as the API takes it; an unchosen queue is left out, for the API to say that a rule needs one. */
function inputOf(v: Values): MessageRuleInput {
  return {
    name: v.name,
    gatewayId: v.gatewayId || null,
    queueId: v.queueId || undefined,
    stop: v.stop,
    active: v.active,
  };
}

/**
 * A rule's condition and action in the product's words. `save` sends the input and throws the API's refusal,
 * which the form shows next to the fields it names.
 */
export function RuleForm({
  title,
  Heading = 'h3',
  rule,
  choices,
  submitLabel,
  save,
  onCancel,
}: {
  title: string;
  /** The title's level where the form stands: a section of its own (h2), or inside the list (h3). */
  Heading?: 'h2' | 'h3';
  /** The rule to edit; a new rule without it. */
  rule?: RulesRuleFragment;
  choices: RulesChoicesQuery;
  submitLabel: string;
  save(input: MessageRuleInput): Promise<unknown>;
  onCancel?(): void;
}) {
  const headingId = useId();
  const headingRef = useFocusOnOpen<HTMLHeadingElement>(Boolean(rule));
  const [values, setValues] = useState<Values>(rule ? valuesOf(rule) : NEW_RULE);
  const { onSubmit, busy, byField, banner } = useSubmit(FIELDS, async () => {
    await save(inputOf(values));
    if (!rule) setValues(NEW_RULE);
  });
  const set = (patch: Partial<Values>) => setValues((v) => ({ ...v, ...patch }));

  return (
    <form className="panel rule-form" onSubmit={onSubmit} aria-labelledby={headingId} noValidate>
      <Heading id={headingId} ref={headingRef} tabIndex={-1}>
        {title}
      </Heading>
      <ErrorBanner error={banner} />
      <TextField
        label="Name"
        value={values.name}
        error={byField.name}
        onChange={(e) => set({ name: e.target.value })}
      />
      <SelectField
        label="Retrieved from mailbox"
        value={values.gatewayId}
        error={byField.gatewayId}
        onChange={(e) => set({ gatewayId: e.target.value })}
      >
        <option value="">any mailbox</option>
        {choices.gateways.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Move to the queue"
        value={values.queueId}
        error={byField.queueId}
        help={
          choices.queues.length === 0 && (
            <>
              There is no queue yet: add one in <Link to="/admin/queues">Queues and users</Link>.
            </>
          )
        }
        onChange={(e) => set({ queueId: e.target.value })}
      >
        <option value="">Choose a queue</option>
        {choices.queues.map((q) => (
          <option key={q.id} value={q.id}>
            {q.name}
          </option>
        ))}
      </SelectField>
      <CheckboxField
        label="and stop"
        checked={values.stop}
        error={byField.stop}
        help="No later rule is walked; without it a later matching rule may move the message again."
        onChange={(e) => set({ stop: e.target.checked })}
      />
      <CheckboxField
        label="Active"
        checked={values.active}
        error={byField.active}
        help="Inactive rules are skipped."
        onChange={(e) => set({ active: e.target.checked })}
      />
      <FormActions submitLabel={submitLabel} disabled={busy} onCancel={onCancel} />
    </form>
  );
}
