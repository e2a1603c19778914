import type { TaskList } from 'graphile-worker';
import type { AppContext } from '../../app-context';
import { runPollDlr } from './dlr';
import { POLL_DLR_TASK } from './jobs';

/** Outbound jobs: delivery-report polling (sending is the sender's, sender.ts). */
export function outboundTasks(ctx: AppContext): TaskList {
  const settings = ctx.services.outbound.settings;
  return {
    [POLL_DLR_TASK]: async (payload) => {
      const { messageId, n } = payload as { messageId: number; n?: number };
      await runPollDlr(ctx, settings, Number(messageId), Number(n ?? 1));
    },
  };
}
