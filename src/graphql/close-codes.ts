/**
 * The close codes our graphql-ws sockets end with, as clients see them. 4000–4999 are for applications
 * (graphql-ws itself uses 4400–4500, and its 4401 / 4403 mean the same here); 1012 and 1013 are the
 * standard codes that graphql-ws clients reconnect on.
 */
export enum WsClose {
  /** No token in `connectionParams.authorization`. */
  Unauthorized = 4401,
  /**
   * A bad token, or one revoked or expired while the socket was open, or its user deactivated: log in again.
   * Also when the user's role changed while the socket was open: connect again.
   */
  Forbidden = 4403,
  /** The subscriber did not read what it was sent: reconnect and catch up with `notifications(after:)`. */
  TooSlow = 4008,
  /** Live events were interrupted (Service Restart): reconnect and catch up with `notifications(after:)`. */
  EventsInterrupted = 1012,
  /** The database is away (Try Again Later): reconnect. */
  TryAgainLater = 1013,
}
