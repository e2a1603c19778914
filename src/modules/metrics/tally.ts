import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';

/**
 * One series of a counter as a hot path holds it: a plain number. Counting is one addition, where a prom-client
 * child builds its label key and checks its labels on every increment (about a microsecond here); the counter
 * takes the new counts when it is scraped.
 */
export class Tally {
  value = 0;

  inc(n = 1): void {
    this.value += n;
  }
}

/**
 * A prom-client counter whose series are Tallies made in advance: a scrape adds to each series what its tally
 * counted since the last one, so prom-client still owns the exposition.
 */
export class TalliedCounter<L extends string> {
  private readonly cells: { labels: LabelValues<L>; tally: Tally; reported: number }[] = [];
  private readonly counter: Counter<L>;

  /** `config` as prom-client's, with `registers` naming the registry that serves it. */
  constructor(config: Omit<CounterConfiguration<L>, 'collect'>) {
    const cells = this.cells;
    this.counter = new Counter<L>({
      ...config,
      collect() {
        for (const c of cells) {
          const n = c.tally.value - c.reported;
          if (n > 0) {
            this.inc(c.labels, n);
            c.reported += n;
          }
        }
      },
    });
  }

  /** The tally of one series; the series shows (at 0) from now on, so that rate() sees its start. */
  tally(labels: LabelValues<L>): Tally {
    const tally = new Tally();
    this.cells.push({ labels, tally, reported: 0 });
    this.counter.inc(labels, 0);
    return tally;
  }
}
