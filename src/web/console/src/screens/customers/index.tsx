import { Route, Routes } from 'react-router';
import { CustomerCard } from './CustomerCard';
import { CustomerSearch } from './CustomerSearch';

/** Customers: the search (`/customers`) and a customer's card (`/customers/:id`). */
export function CustomerRoutes() {
  return (
    <Routes>
      <Route index element={<CustomerSearch />} />
      <Route path=":id" element={<CustomerCard />} />
    </Routes>
  );
}
