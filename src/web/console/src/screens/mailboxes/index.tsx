import { usePageTitle } from '../../ui/title';

export function MailboxRoutes() {
  usePageTitle('E-mail and SMS configuration');
  return <h1>E-mail and SMS configuration</h1>;
}
