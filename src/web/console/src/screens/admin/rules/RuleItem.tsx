import type { RulesRuleFragment } from '../../../gql/graphql';
import { ruleWording } from './wording';

/** What can be done to one rule of the list; each control carries `data-control` for the list to focus it. */
export interface RuleActions {
  move(direction: 'up' | 'down'): void;
  setActive(active: boolean): void;
  edit(): void;
  askDelete(): void;
  confirmDelete(): void;
  keep(): void;
}

/** One rule as the product writes it, whether it is active, and its buttons (or the question before deleting). */
export function RuleItem({
  rule,
  first,
  last,
  busy,
  confirming,
  actions,
}: {
  rule: RulesRuleFragment;
  first: boolean;
  last: boolean;
  /** A change is on its way: the buttons wait for it. */
  busy: boolean;
  /** "Delete" was pressed: ask before deleting. */
  confirming: boolean;
  actions: RuleActions;
}) {
  return (
    <>
      <div className="rule-head">
        <strong>{rule.name}</strong>
        <span className={rule.active ? 'status-ok' : 'status-bad'}>{rule.active ? 'Active' : 'Inactive'}</span>
      </div>
      <p className="rule-wording">{ruleWording(rule)}</p>
      {confirming ? (
        <div className="actions" role="group" aria-label={`Delete rule "${rule.name}"?`}>
          <span>Delete this rule?</span>
          <button type="button" className="danger" disabled={busy} onClick={actions.confirmDelete}>
            Yes, delete
          </button>
          <button type="button" data-control="keep" onClick={actions.keep}>
            Keep it
          </button>
        </div>
      ) : (
        <div className="actions">
          <button type="button" data-control="up" disabled={busy || first} onClick={() => actions.move('up')}>
            Move up
          </button>
          <button type="button" data-control="down" disabled={busy || last} onClick={() => actions.move('down')}>
            Move down
          </button>
          <button type="button" data-control="active" disabled={busy} onClick={() => actions.setActive(!rule.active)}>
            {rule.active ? 'Deactivate' : 'Activate'}
          </button>
          <button type="button" data-control="edit" onClick={actions.edit}>
            Edit
          </button>
          <button type="button" data-control="delete" className="danger" onClick={actions.askDelete}>
            Delete
          </button>
        </div>
      )}
    </>
  );
}
