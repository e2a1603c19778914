import { graphql } from '../../../gql';

export const RULE_FIELDS = graphql(`
  fragment RulesRule on MessageRule {
    id
    name
    position
    active
    stop
    gateway {
      id
      name
    }
    queue {
      id
      name
    }
  }
`);

export const RULES = graphql(`
  query RulesList {
    messageRules {
      ...RulesRule
    }
  }
`);

/** What a rule can point at: the mailboxes of its condition and the queues of its action. */
export const CHOICES = graphql(`
  query RulesChoices {
    gateways {
      id
      name
    }
    queues {
      id
      name
    }
  }
`);

export const CREATE_RULE = graphql(`
  mutation RulesCreate($input: MessageRuleInput!) {
    createMessageRule(input: $input) {
      ...RulesRule
    }
  }
`);

export const UPDATE_RULE = graphql(`
  mutation RulesUpdate($id: ID!, $input: MessageRuleInput!) {
    updateMessageRule(id: $id, input: $input) {
      ...RulesRule
    }
  }
`);

export const DELETE_RULE = graphql(`
  mutation RulesDelete($id: ID!) {
    deleteMessageRule(id: $id)
  }
`);

export const PREVIEW = graphql(`
  query RulesPreview($gatewayId: ID!, $from: String!, $text: String!) {
    previewMessageRules(gatewayId: $gatewayId, from: $from, text: $text) {
      from
      queueName
      usesDefaultQueue
      decidingRule {
        rule {
          ...RulesRule
        }
      }
      applied {
        stopped
        rule {
          ...RulesRule
        }
      }
    }
  }
`);

/**
 * What every change of the rules makes stale: the list, and a preview on screen (it answers for the rules as
 * they are now).
 */
export const AFTER_RULE_CHANGE = { refetchQueries: ['RulesList', 'RulesPreview'], awaitRefetchQueries: true };
