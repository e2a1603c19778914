import { useApolloClient, useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { RulesChoicesQuery, RulesRuleFragment } from '../../../gql/graphql';
import { AFTER_RULE_CHANGE, DELETE_RULE, UPDATE_RULE } from './operations';
import { positionChanges } from './reorder';
import { RuleForm } from './RuleForm';
import { RuleItem, type RuleActions } from './RuleItem';

interface Props {
  rules: RulesRuleFragment[];
  choices: RulesChoicesQuery;
  /** A change went through; `message` says which, for the screen's status line. */
  onDone(message: string): void;
  /** A change the API refused (shown as a banner by the screen). */
  onError(error: unknown): void;
}

/**
 * Moves focus, once the list shows a change, to the first of the wanted controls that is there and enabled: the
 * list is read again from the API after each change, and the rule may have moved or gone.
 */
function useFocusAfter(listRef: RefObject<HTMLOListElement | null>, ready: boolean) {
  const [target, setTarget] = useState<string[] | null>(null);
  // After every render: the change shows in the render that follows it, whichever state it came through.
  useEffect(() => {
    if (!target || !ready) return;
    for (const selector of target) {
      const el = listRef.current?.querySelector<HTMLButtonElement>(selector);
      if (el && !el.disabled) {
        el.focus();
        break;
      }
    }
    setTarget(null);
  });
  return (ruleId: string, ...controls: string[]) =>
    setTarget(controls.map((c) => `[data-rule="${ruleId}"] [data-control="${c}"]`));
}

/** The rules in walk order, each with what can be done to it, and the form to edit one in place. */
export function RuleList({ rules, choices, onDone, onError }: Props) {
  const client = useApolloClient();
  const [update] = useMutation(UPDATE_RULE, AFTER_RULE_CHANGE);
  const [reposition] = useMutation(UPDATE_RULE);
  const [remove] = useMutation(DELETE_RULE, AFTER_RULE_CHANGE);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  const focusOn = useFocusAfter(listRef, !busy);

  async function act(work: () => Promise<string>) {
    setBusy(true);
    try {
      onDone(await work());
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  }

  function move(index: number, direction: 'up' | 'down') {
    const rule = rules[index];
    const to = direction === 'up' ? index - 1 : index + 1;
    void act(async () => {
      try {
        // Each change is its own write; the list is read once after the last (or after a refusal midway).
        for (const c of positionChanges(rules, index, to))
          await reposition({ variables: { id: c.id, input: { position: c.position } } });
      } finally {
        await client.refetchQueries({ include: AFTER_RULE_CHANGE.refetchQueries });
      }
      // Where the keyboard was: this rule's same button, or the other one once it reaches an end.
      focusOn(rule.id, direction, direction === 'up' ? 'down' : 'up');
      return `Rule "${rule.name}" moved ${direction}: now ${to + 1} of ${rules.length}.`;
    });
  }

  function actionsFor(rule: RulesRuleFragment, index: number): RuleActions {
    return {
      move: (direction) => move(index, direction),
      setActive: (active) =>
        act(async () => {
          await update({ variables: { id: rule.id, input: { active } } });
          focusOn(rule.id, 'active');
          return `Rule "${rule.name}" is now ${active ? 'active' : 'inactive'}.`;
        }),
      edit: () => setEditing(rule.id),
      askDelete: () => {
        setConfirming(rule.id);
        focusOn(rule.id, 'keep');
      },
      confirmDelete: () => {
        // The keyboard goes on from the rule that takes its place (or, for the last, the one before).
        const neighbour = rules[index + 1] ?? rules[index - 1];
        void act(async () => {
          await remove({ variables: { id: rule.id } });
          setConfirming(null);
          if (neighbour) focusOn(neighbour.id, 'delete');
          return `Rule "${rule.name}" deleted.`;
        });
      },
      keep: () => {
        setConfirming(null);
        focusOn(rule.id, 'delete');
      },
    };
  }

  if (rules.length === 0) return <p>No rules yet: every inbound SMS goes to the default queue.</p>;
  return (
    <ol className="rules" ref={listRef} aria-label="Rules in walk order">
      {rules.map((rule, index) => (
        <li key={rule.id} data-rule={rule.id} className={rule.active ? undefined : 'inactive'}>
          {editing === rule.id ? (
            <RuleForm
              title={`Edit rule "${rule.name}"`}
              rule={rule}
              choices={choices}
              submitLabel="Save rule"
              save={async (input) => {
                const { data } = await update({ variables: { id: rule.id, input } });
                setEditing(null);
                focusOn(rule.id, 'edit');
                onDone(`Rule "${data?.updateMessageRule.name ?? rule.name}" saved.`);
              }}
              onCancel={() => {
                setEditing(null);
                focusOn(rule.id, 'edit');
              }}
            />
          ) : (
            <RuleItem
              rule={rule}
              first={index === 0}
              last={index === rules.length - 1}
              busy={busy}
              confirming={confirming === rule.id}
              actions={actionsFor(rule, index)}
            />
          )}
        </li>
      ))}
    </ol>
  );
}
