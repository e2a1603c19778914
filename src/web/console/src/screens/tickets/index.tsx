import { usePageTitle } from '../../ui/title';

export function TicketRoutes() {
  usePageTitle('Tickets');
  return <h1>Tickets</h1>;
}
