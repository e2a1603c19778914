import { DomainError } from '../../common/errors';

/** A replay of an event that cannot be replayed (accepted already, or nothing kept to replay). */
export class NotReplayableError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
}
