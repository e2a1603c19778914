import { useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import type { RulesChoicesQuery, RulesRuleFragment } from '../../../gql/graphql';
import { AFTER_RULE_CHANGE, DELETE_RULE, UPDATE_RULE } from './operations';
import { positionChanges } from './reorder';
import { RuleForm } from './RuleForm';
import { ruleWording } from './wording';

interface Props {
  rules: RulesRuleFragment[];
  choices: RulesChoicesQuery;
  /** A change went through; `message` says which, for the screen's status line. */
  onDone(message: string): void;
  /** A change the API refused (shown as a banner by the screen). */
  onError(error: unknown): void;
}

/**
 * The rules in walk order, each with what can be done to it. After a change the focus goes back to the control
 * the keyboard user was on (the list is re-read from the API and the rule may have moved).
 */
export function RuleList({ rules, choices, onDone, onError }: Props) {
  const [update] = useMutation(UPDATE_RULE, AFTER_RULE_CHANGE);
  const [remove] = useMutation(DELETE_RULE, AFTER_RULE_CHANGE);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Where the focus goes once the list shows the change: the first of these selectors that finds an enabled control. */
  const [focusTarget, setFocusTarget] = useState<string[] | null>(null);
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (!focusTarget || busy) return;
    for (const selector of focusTarget) {
      const el = listRef.current?.querySelector<HTMLButtonElement>(selector);
      if (el && !el.disabled) {
        el.focus();
        break;
      }
    }
    setFocusTarget(null);
  }, [focusTarget, busy, rules, editing, confirming]);

  const focusOn = (ruleId: string, ...controls: string[]) =>
    setFocusTarget(controls.map((c) => `[data-rule="${ruleId}"] [data-control="${c}"]`));

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

  function move(index: number, to: number, direction: 'up' | 'down') {
    const rule = rules[index];
    void act(async () => {
      // One rule at a time: each change is its own write, and the list is read again after the last.
      const changes = positionChanges(rules, index, to);
      for (const [i, c] of changes.entries()) {
        const last = i === changes.length - 1;
        await update({
          variables: { id: c.id, input: { position: c.position } },
          ...(last ? {} : { refetchQueries: [] }),
        });
      }
      // Where the keyboard was: this rule's same button, or the other one once it reaches an end.
      focusOn(rule.id, direction, direction === 'up' ? 'down' : 'up');
      return `Rule "${rule.name}" moved ${direction}: now ${to + 1} of ${rules.length}.`;
    });
  }

  function setActive(rule: RulesRuleFragment, active: boolean) {
    void act(async () => {
      await update({ variables: { id: rule.id, input: { active } } });
      focusOn(rule.id, 'active');
      return `Rule "${rule.name}" is now ${active ? 'active' : 'inactive'}.`;
    });
  }

  function confirmDelete(rule: RulesRuleFragment, index: number) {
    // The keyboard goes on from the rule that takes its place (or the one before the last).
    const neighbour = rules[index + 1] ?? rules[index - 1];
    void act(async () => {
      await remove({ variables: { id: rule.id } });
      setConfirming(null);
      if (neighbour) focusOn(neighbour.id, 'delete');
      return `Rule "${rule.name}" deleted.`;
    });
  }

  if (rules.length === 0) return <p>No rules yet: every inbound SMS goes to the default queue.</p>;
  return (
    <ol className="rules" ref={listRef} aria-label="Rules in walk order">
      {rules.map((rule, index) => (
        <li key={rule.id} data-rule={rule.id} className={rule.active ? 'rule' : 'rule inactive'}>
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
            <>
              <div className="rule-head">
                <strong>{rule.name}</strong>
                <span className={rule.active ? 'status-ok' : 'status-bad'}>{rule.active ? 'Active' : 'Inactive'}</span>
              </div>
              <p className="rule-wording">{ruleWording(rule)}</p>
              {confirming === rule.id ? (
                <div className="actions confirm" role="group" aria-label={`Delete rule "${rule.name}"?`}>
                  <span>Delete this rule?</span>
                  <button type="button" className="danger" disabled={busy} onClick={() => confirmDelete(rule, index)}>
                    Yes, delete
                  </button>
                  <button
                    type="button"
                    data-control="keep"
                    onClick={() => {
                      setConfirming(null);
                      focusOn(rule.id, 'delete');
                    }}
                  >
                    Keep it
                  </button>
                </div>
              ) : (
                <div className="actions">
                  <button
                    type="button"
                    data-control="up"
                    disabled={busy || index === 0}
                    onClick={() => move(index, index - 1, 'up')}
                  >
                    Move up
                  </button>
                  <button
                    type="button"
                    data-control="down"
                    disabled={busy || index === rules.length - 1}
                    onClick={() => move(index, index + 1, 'down')}
                  >
                    Move down
                  </button>
                  <button
                    type="button"
                    data-control="active"
                    disabled={busy}
                    onClick={() => setActive(rule, !rule.active)}
                  >
                    {rule.active ? 'Deactivate' : 'Activate'}
                  </button>
                  <button type="button" data-control="edit" onClick={() => setEditing(rule.id)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    data-control="delete"
                    className="danger"
                    onClick={() => {
                      setConfirming(rule.id);
                      focusOn(rule.id, 'keep');
                    }}
                  >
                    Delete
                  </button>
                </div>
              )}
            </>
          )}
        </li>
      ))}
    </ol>
  );
}
