import type { MikroORM } from '@mikro-orm/postgresql';
import { WsClose } from '../../graphql/close-codes';

/** What TokenWatch needs of a socket. */
export interface WatchedSocket {
  close(code: number, reason: string): void;
}

/** How a socket whose token was revoked or expired while it was open is closed (as graphql-ws's own Forbidden). */
export const TOKEN_GONE_CLOSE = {
  code: WsClose.Forbidden,
  reason: 'Forbidden: the token was revoked or has expired; log in again',
};

/**
 * Open graphql-ws sockets keep working only while their token does. One timer per app re-checks the tokens of
 * all open sockets in one query (not one per socket: 10,000 subscribers would mean 10,000 queries a round) and
 * closes those whose token was revoked, expired, or whose user is gone. `stillValid` is the per-operation check.
 */
export class TokenWatch {
  private readonly sockets = new Map<WatchedSocket, number>();
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

  watch(socket: WatchedSocket, tokenId: number): void {
    this.sockets.set(socket, tokenId);
  }

  forget(socket: WatchedSocket): void {
    this.sockets.delete(socket);
  }

  /** The tokens among `ids` that still authenticate. */
  async validIds(ids: number[]): Promise<Set<number>> {
    if (!ids.length) return new Set();
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ id: number }[]>(
        `select id from api_token where id = any(?::int[]) and revoked_at is null and (expires_at is null or expires_at > now())`,
        [`{${ids.map((n) => Math.trunc(n)).join(',')}}`],
      );
    return new Set(rows.map((r) => Number(r.id)));
  }

  async stillValid(tokenId: number): Promise<boolean> {
    return (await this.validIds([tokenId])).has(tokenId);
  }

  private async sweep(): Promise<void> {
    if (this.running || !this.sockets.size) return;
    this.running = true;
    try {
      const valid = await this.validIds([...new Set(this.sockets.values())]);
      for (const [socket, tokenId] of this.sockets) {
        if (valid.has(tokenId)) continue;
        this.sockets.delete(socket);
        socket.close(TOKEN_GONE_CLOSE.code, TOKEN_GONE_CLOSE.reason);
      }
    } catch (err) {
      // Database away: keep the sockets (they get nothing new anyway) and check again next round.
      this.log.warn({ err: { message: (err as Error).message } }, 'could not re-check the tokens of open sockets');
    } finally {
      this.running = false;
    }
  }
}
