import { usePageTitle } from '../../ui/title';

export function CustomerRoutes() {
  usePageTitle('Customers');
  return <h1>Customers</h1>;
}
