import type { WebSocket } from 'ws';
import { WsClose } from './close-codes';

/** Sent with WsClose.TooSlow to a graphql-ws subscriber that does not read what it is sent. */
export const CLOSE_TOO_SLOW_REASON = 'Too slow: the subscriber did not read its messages; reconnect and catch up';

export interface SlowConsumerLimits {
  /** Bytes waiting in this process for the socket (ws `bufferedAmount`) above which it is closed. */
  maxBufferedBytes: number;
  /** How long a message may wait to be written to the kernel before the socket is closed. */
  maxStallMs: number;
  /** After the close frame, how long a socket that still reads nothing keeps its buffers before it is destroyed. */
  closeGraceMs: number;
}

export const DEFAULT_SLOW_CONSUMER_LIMITS: SlowConsumerLimits = {
  maxBufferedBytes: 1024 * 1024,
  maxStallMs: 10_000,
  closeGraceMs: 10_000,
};

/** Sockets closed as too slow (metrics, tests). */
export const slowConsumerStats = {
  closed: 0,
  /** The most bytes one socket had queued in this process when it was closed. */ maxBufferedAtClose: 0,
};

/**
 * Bounds what a subscriber that stops reading can cost. graphql-ws awaits each `send` (ws calls back once
 * the bytes reached the kernel), so a stalled reader first fills the kernel's socket buffers, then each
 * subscription's send waits and its fan-out queue (fanout.ts, bounded) fills. Here every send is checked:
 * when the bytes queued in this process exceed `maxBufferedBytes`, or a send has waited `maxStallMs`, the
 * socket is closed with WsClose.TooSlow and nothing more is queued for it. The close frame goes out behind what is
 * already buffered, so a client that resumes reading sees the code; one that never does is destroyed by
 * ws's close timeout, and is terminated here after `closeGraceMs` at the latest.
 *
 * Must be installed on `wss` before graphql-ws's `useServer`, so that it wraps `send` first.
 */
export function guardSlowConsumers(
  wss: { on(event: 'connection', cb: (socket: WebSocket) => void): unknown },
  limits: SlowConsumerLimits = DEFAULT_SLOW_CONSUMER_LIMITS,
): void {
  wss.on('connection', (socket) => {
    const raw = socket.send as unknown as (
      this: WebSocket,
      data: unknown,
      opts: unknown,
      cb?: (err?: Error) => void,
    ) => void;
    let pending = 0;
    let oldest = 0;
    let stallTimer: NodeJS.Timeout | undefined;
    let closed = false;
    const tooSlow = () => {
      if (closed) return;
      closed = true;
      slowConsumerStats.closed++;
      slowConsumerStats.maxBufferedAtClose = Math.max(slowConsumerStats.maxBufferedAtClose, socket.bufferedAmount);
      if (stallTimer) clearTimeout(stallTimer);
      socket.close(WsClose.TooSlow, CLOSE_TOO_SLOW_REASON);
      setTimeout(() => socket.terminate(), limits.closeGraceMs).unref();
    };
    const armStall = () => {
      if (stallTimer || closed) return;
      stallTimer = setTimeout(() => {
        stallTimer = undefined;
        if (pending > 0 && Date.now() - oldest >= limits.maxStallMs) tooSlow();
        else if (pending > 0) armStall();
      }, limits.maxStallMs);
      stallTimer.unref();
    };
    socket.once('close', () => {
      closed = true;
      if (stallTimer) clearTimeout(stallTimer);
    });
    (socket as { send: unknown }).send = (data: unknown, optsOrCb?: unknown, maybeCb?: (err?: Error) => void) => {
      const cb = (typeof optsOrCb === 'function' ? optsOrCb : maybeCb) as ((err?: Error) => void) | undefined;
      if (closed || socket.bufferedAmount > limits.maxBufferedBytes) {
        tooSlow();
        // graphql-ws awaits this callback: answer at once so its loop ends instead of piling up.
        cb?.();
        return;
      }
      if (pending === 0) oldest = Date.now();
      pending++;
      armStall();
      const done = (err?: Error) => {
        pending--;
        oldest = Date.now();
        cb?.(err);
      };
      raw.call(socket, data, typeof optsOrCb === 'function' ? {} : (optsOrCb ?? {}), done);
    };
  });
}
