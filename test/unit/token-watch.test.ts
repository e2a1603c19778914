import { describe, expect, it } from 'vitest';
import { TokenWatch, type WatchedSocket } from '../../src/modules/auth/token-watch';
import { Role } from '../../src/modules/auth/user.entity';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watch whose token look-up takes a while, as a busy database's does; every token it is asked about is valid. */
class SlowLookup extends TokenWatch {
  override async validIds(ids: number[]): Promise<Map<number, Role>> {
    await sleep(80);
    return new Map(ids.map((id) => [id, Role.AGENT]));
  }
}

describe('token re-checks of open sockets', () => {
  it('do not close a socket that opened while a re-check was reading the tokens', async () => {
    const watch = new SlowLookup(undefined as never, 20, { warn: () => {} });
    const closed: string[] = [];
    const socket = (name: string): WatchedSocket => ({ close: () => closed.push(name) });
    watch.watch(socket('first'), 1, Role.AGENT);
    watch.start();
    await sleep(40); // a re-check is reading the first socket's token now
    watch.watch(socket('opened meanwhile'), 2, Role.AGENT);
    await sleep(300);
    watch.stop();
    expect(closed).toEqual([]);
  });
});
