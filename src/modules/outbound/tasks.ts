import type { TaskList } from 'graphile-worker';
import type { AppContext } from '../../app-context';

/** Outbound jobs: sending, delivery-report polling. */
export function outboundTasks(_ctx: AppContext): TaskList {
  return {};
}
