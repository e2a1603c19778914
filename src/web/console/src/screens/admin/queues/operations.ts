import { graphql } from '../../../gql';

/** The most members one page of Queue.members holds (the API's cap). */
export const MEMBERS_PAGE = 100;

export const QUEUES = graphql(`
  query QueuesList {
    queues {
      id
      name
      members(first: 100) {
        id
        name
      }
    }
  }
`);

/** The next page of every queue's members after one user (the form reads its own queue's). */
export const MORE_MEMBERS = graphql(`
  query QueuesMoreMembers($after: ID!) {
    queues {
      id
      members(first: 100, after: $after) {
        id
        name
      }
    }
  }
`);

export const USERS = graphql(`
  query QueuesUsers {
    users {
      id
      name
      email
      role
      active
    }
  }
`);

export const CREATE_QUEUE = graphql(`
  mutation QueuesCreate($input: QueueInput!) {
    createQueue(input: $input) {
      id
      name
      members(first: 100) {
        id
        name
      }
    }
  }
`);

export const UPDATE_QUEUE = graphql(`
  mutation QueuesUpdate($id: ID!, $input: QueueInput!) {
    updateQueue(id: $id, input: $input) {
      id
      name
      members(first: 100) {
        id
        name
      }
    }
  }
`);

export const CREATE_USER = graphql(`
  mutation QueuesCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      name
      email
      role
      active
    }
  }
`);

export const DEACTIVATE_USER = graphql(`
  mutation QueuesDeactivateUser($id: ID!) {
    deactivateUser(id: $id) {
      id
      active
    }
  }
`);

export const REACTIVATE_USER = graphql(`
  mutation QueuesReactivateUser($id: ID!) {
    reactivateUser(id: $id) {
      id
      active
    }
  }
`);
