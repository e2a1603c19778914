/** Something an instance keeps doing on its own, between requests: a timer, a queue consumer, a worker. */
export interface BackgroundLoop {
  /** For the log. */
  readonly name: string;
  start(): Promise<void> | void;
  /** Stops it and waits for the work it has under way. */
  stop(): Promise<void> | void;
}

/**
 * A function run every `everyMs`, and once at start when `runAtStart` (start waits for that run). Runs
 * never overlap; stop waits for the one under way, so nothing it uses is closed beneath it.
 */
export function intervalLoop(
  name: string,
  everyMs: number,
  run: () => Promise<void>,
  opts: { runAtStart?: boolean } = {},
): BackgroundLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => (running ??= run().finally(() => (running = undefined)));
  return {
    name,
    async start() {
      timer = setInterval(() => void tick(), everyMs);
      timer.unref();
      if (opts.runAtStart) await tick();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
