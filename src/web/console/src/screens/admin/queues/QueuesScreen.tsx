import { usePageTitle } from '../../../ui/title';
import { QueueSection } from './QueueSection';
import { UserSection } from './UserSection';

/** Queues and users: the queues with their agents, and the people who log in. */
export function QueuesScreen() {
  usePageTitle('Queues and users');
  return (
    <>
      <h1>Queues and users</h1>
      <QueueSection />
      <UserSection />
    </>
  );
}
