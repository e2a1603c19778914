import type { TaskList } from 'graphile-worker';
import type { AppContext } from '../../app-context';
import { runPollDlr } from './dlr';
import { POLL_DLR_TASK, SEND_TASK } from './jobs';
import { MailboxCache, runSend } from './send.task';

/** Outbound jobs: sending, delivery-report polling. */
export function outboundTasks(ctx: AppContext): TaskList {
  const settings = ctx.services.outbound.settings;
  const mailboxes = new MailboxCache();
  return {
    [SEND_TASK]: async (payload, helpers) => {
      const { messageId } = payload as { messageId: number };
      await runSend(ctx, settings, Number(messageId), helpers.abortSignal, mailboxes);
    },
    [POLL_DLR_TASK]: async (payload) => {
      const { messageId, n } = payload as { messageId: number; n?: number };
      await runPollDlr(ctx, settings, Number(messageId), Number(n ?? 1));
    },
  };
}
