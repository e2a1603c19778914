import type { TaskList } from 'graphile-worker';
import type { AppContext } from '../../app-context';

/** Inbound polling jobs (providers without push). */
export function inboundTasks(_ctx: AppContext): TaskList {
  return {};
}
