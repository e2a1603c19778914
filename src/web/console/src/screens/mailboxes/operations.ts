import { graphql } from '../../gql';

/** The providers' catalog: what each provider's mailbox needs, in the API's own words. */
export const PROVIDERS = graphql(`
  query MailboxProviders {
    providers {
      id
      displayName
      defaultPrefixesToRemove
      guideUrl
      fields {
        name
        required
        label
        help
      }
    }
  }
`);

/** What the mailbox page shows of a test: the last one stored, or the one just run. */
graphql(`
  fragment MailboxTestResult on GatewayTestResult {
    ok
    latencyMs
    balance
    testedAt
    checks {
      name
      ok
      detail
    }
  }
`);

export const LIST = graphql(`
  query MailboxList {
    gateways {
      id
      name
      provider
      destinationNumber
      incomingActive
      health {
        status
        problems
        lastInboundAt
        lastSentAt
        lastDeliveryReportAt
      }
    }
  }
`);

export const MAILBOX = graphql(`
  query MailboxDetail($id: ID!) {
    gateway(id: $id) {
      id
      name
      provider
      allowedIps
      destinationNumber
      prefixesToRemove
      incomingActive
      login
      senderName
      serviceId
      host
      apiBaseUrl
      certificateExpiresAt
      hasPassword
      hasCertificate
      hasWebhookToken
      warnings
      genericHttp {
        method
        urlTemplate
        bodyTemplate
        contentType
        successStatus
        successBodyPattern
        messageIdPath
        inboundFromField
        inboundToField
        inboundTextField
        inboundIdField
        inboundTimestampField
        inboundReplyBody
      }
      webhookUrls {
        purpose
        url
      }
      lastTest {
        ...MailboxTestResult
      }
    }
  }
`);

export const CREATE = graphql(`
  mutation MailboxCreate($input: GatewayInput!) {
    createGateway(input: $input) {
      id
    }
  }
`);

export const UPDATE = graphql(`
  mutation MailboxUpdate($id: ID!, $input: GatewayUpdateInput!) {
    updateGateway(id: $id, input: $input) {
      id
    }
  }
`);

export const DELETE = graphql(`
  mutation MailboxDelete($id: ID!) {
    deleteGateway(id: $id)
  }
`);

export const TEST = graphql(`
  mutation MailboxTest($id: ID!, $to: String) {
    testGateway(id: $id, sendTestSmsTo: $to) {
      ...MailboxTestResult
    }
  }
`);

export const EVENTS = graphql(`
  query MailboxInboundEvents($gatewayId: ID!, $after: String) {
    inboundEvents(gatewayId: $gatewayId, after: $after, first: 20) {
      edges {
        cursor
        node {
          id
          receivedAt
          outcome
          reasonCode
          reason
          replayOfId
          replayedAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const REPLAY = graphql(`
  mutation MailboxReplay($id: ID!) {
    replayInboundEvent(id: $id) {
      id
      outcome
      reasonCode
      reason
    }
  }
`);

export const ROTATE = graphql(`
  mutation MailboxRotateToken($id: ID!) {
    rotateWebhookToken(id: $id) {
      id
      hasWebhookToken
      webhookUrls {
        purpose
        url
      }
    }
  }
`);
