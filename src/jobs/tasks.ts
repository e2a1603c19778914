import type { TaskList } from 'graphile-worker';
import type { AppContext } from '../app-context';
import { inboundTasks } from '../modules/inbound/tasks';
import { outboundTasks } from '../modules/outbound/tasks';

/** Every job the worker runs, contributed by the modules that own them. */
export function taskList(ctx: AppContext): TaskList {
  return { ...outboundTasks(ctx), ...inboundTasks(ctx) };
}
