import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { ErrorBanner, Loading, Notice } from '../../../ui/feedback';
import { usePageTitle } from '../../../ui/title';
import { AFTER_RULE_CHANGE, CHOICES, CREATE_RULE, RULES } from './operations';
import { RuleForm } from './RuleForm';
import { RuleList } from './RuleList';
import { RulePreview } from './RulePreview';

/** Message rules: the ordered list inbound SMS walk, a form to add one, and the preview of where an SMS goes. */
export function RulesScreen() {
  usePageTitle('Message rules');
  const rules = useQuery(RULES);
  const choices = useQuery(CHOICES);
  const [create] = useMutation(CREATE_RULE, AFTER_RULE_CHANGE);
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();

  const done = (message: string) => {
    setActionError(undefined);
    setNotice(message);
  };
  const failed = (error: unknown) => {
    setNotice(undefined);
    setActionError(error);
  };

  return (
    <>
      <h1>Message rules</h1>
      <p className="help">
        Inbound SMS walk the active rules from the top: a matching rule moves the message to its queue, and “and stop”
        ends the walk. A message no rule moves goes to the default queue.
      </p>
      <ErrorBanner error={rules.error ?? choices.error} />
      {!rules.data || !choices.data ? (
        !(rules.error ?? choices.error) && <Loading />
      ) : (
        <>
          <section aria-labelledby="rules-list">
            <h2 id="rules-list">Rules in walk order</h2>
            {notice && <Notice>{notice}</Notice>}
            <ErrorBanner error={actionError} />
            <RuleList rules={rules.data.messageRules} choices={choices.data} onDone={done} onError={failed} />
          </section>
          <RuleForm
            title="Add a rule"
            Heading="h2"
            choices={choices.data}
            submitLabel="Add rule"
            save={async (input) => {
              const { data } = await create({ variables: { input } });
              if (data) done(`Rule "${data.createMessageRule.name}" added.`);
            }}
          />
          <RulePreview choices={choices.data} />
        </>
      )}
    </>
  );
}
