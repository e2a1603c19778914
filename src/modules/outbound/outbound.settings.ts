/** The outbound knobs are part of the one Config (OUTBOUND_* variables, read and validated in config.ts). */
export type { OutboundSettings } from '../../config';

/** Exponential backoff: base, 2·base, 4·base… capped. `n` is 1 for the first retry. */
export function backoffMs(base: number, max: number, n: number): number {
  return Math.min(max, base * 2 ** Math.max(0, n - 1));
}
