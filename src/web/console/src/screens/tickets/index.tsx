import { Route, Routes } from 'react-router';
import { QueueView } from './QueueView';
import { TicketThread } from './TicketThread';

/** `/tickets`: the queue view; `/tickets/:id`: one conversation. */
export function TicketRoutes() {
  return (
    <Routes>
      <Route index element={<QueueView />} />
      <Route path=":id" element={<TicketThread />} />
    </Routes>
  );
}
