import type { MikroORM } from '@mikro-orm/postgresql';
import { WsClose } from '../../graphql/close-codes';
import type { Role } from './user.entity';

/** What TokenWatch needs of a socket. */
export interface WatchedSocket {
  close(code: number, reason: string): void;
}

/** How a socket whose token was revoked or expired, or whose user was deactivated, is closed (as graphql-ws's own Forbidden). */
export const TOKEN_GONE_CLOSE = {
  code: WsClose.Forbidden,
  reason: 'Forbidden: the token was revoked or has expired, or its user was deactivated; log in again',
};
/** How a socket opened under a role its user no longer has is closed: what it may see was decided by that role. */
export const ROLE_CHANGED_CLOSE = { code: WsClose.Forbidden, reason: 'Forbidden: your role changed; connect again' };

export type SocketClose = typeof TOKEN_GONE_CLOSE;

/**
 * Open graphql-ws sockets keep working only while their token does. One timer per app re-checks the tokens of
 * all open sockets in one query (not one per socket: 10,000 subscribers would mean 10,000 queries a round) and
 * closes those whose token was revoked or expired, whose user is gone or deactivated, or whose user's role is
 * no longer the one the socket was opened with. `check` is the per-operation check. Both read the database,
 * so a change made on one instance closes the sockets of every instance.
 */
export class TokenWatch {
  private readonly sockets = new Map<WatchedSocket, { tokenId: number; role: Role }>();
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly intervalMs: number,
    private readonly log: { warn(o: unknown, m?: string): void },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sockets.clear();
  }

  watch(socket: WatchedSocket, tokenId: number, role: Role): void {
    this.sockets.set(socket, { tokenId, role });
  }

  forget(socket: WatchedSocket): void {
    this.sockets.delete(socket);
  }

  /** The tokens among `ids` that still authenticate, with their user's current role. */
  async validIds(ids: number[]): Promise<Map<number, Role>> {
    if (!ids.length) return new Map();
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ id: number; role: Role }[]>(
        `select t.id, u.role
         from api_token t join app_user u on u.id = t.user_id
        where t.id = any(?::int[]) and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
          and u.deactivated_at is null`,
        [`{${ids.map((n) => Math.trunc(n)).join(',')}}`],
      );
    return new Map(rows.map((r) => [Number(r.id), r.role]));
  }

  /** How a socket with this token, opened as `role`, must close now; null while it may go on. */
  async check(tokenId: number, role: Role): Promise<SocketClose | null> {
    return closeFor((await this.validIds([tokenId])).get(tokenId), role);
  }

  private async sweep(): Promise<void> {
    if (this.running || !this.sockets.size) return;
    this.running = true;
    try {
      // Judged against the tokens they were read with: a socket watched while the query runs waits for the next round.
      const watched = [...this.sockets];
      const valid = await this.validIds([...new Set(watched.map(([, w]) => w.tokenId))]);
      for (const [socket, w] of watched) {
        if (this.sockets.get(socket) !== w) continue;
        const close = closeFor(valid.get(w.tokenId), w.role);
        if (!close) continue;
        this.sockets.delete(socket);
        socket.close(close.code, close.reason);
      }
    } catch (err) {
      // Database away: keep the sockets (they get nothing new anyway) and check again next round.
      this.log.warn({ err: { message: (err as Error).message } }, 'could not re-check the tokens of open sockets');
    } finally {
      this.running = false;
    }
  }
}

function closeFor(current: Role | undefined, openedAs: Role): SocketClose | null {
  if (!current) return TOKEN_GONE_CLOSE;
  return current === openedAs ? null : ROLE_CHANGED_CLOSE;
}
