import { useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { graphql } from '../../gql';
import { ErrorBanner, Loading } from '../../ui/feedback';
import { TextField } from '../../ui/fields';
import { joinPages, LoadMore } from '../../ui/LoadMore';
import { usePageTitle } from '../../ui/title';
import { NewCustomer } from './NewCustomer';

/** Cards a page; the API takes 1–100. */
const PAGE_SIZE = 20;

const SEARCH = graphql(`
  query CustomersSearch($search: String, $after: String, $first: Int!) {
    customers(search: $search, after: $after, first: $first) {
      edges {
        cursor
        node {
          id
          name
          phoneNumbers
          email
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** The search: what was searched lives in the address (`?q=`), so that going back from a card keeps it. */
export function CustomerSearch() {
  usePageTitle('Customers');
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const [typed, setTyped] = useState(search);

  function submit(e: FormEvent) {
    e.preventDefault();
    setParams(typed.trim() ? { q: typed.trim() } : {});
  }

  return (
    <section>
      <h1>Customers</h1>
      <form role="search" aria-label="Customers" className="customer-search" onSubmit={submit}>
        <TextField
          label="Search"
          type="search"
          help="Part of the name or e-mail, or a phone number (3 or more of its digits)."
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {/* Keyed: a new search starts without the last one's pages or errors. */}
      <Results key={search} search={search} />
      <NewCustomer />
    </section>
  );
}

function Results({ search }: { search: string }) {
  const { data, previousData, error, fetchMore } = useQuery(SEARCH, {
    variables: { search: search || null, first: PAGE_SIZE },
    fetchPolicy: 'cache-and-network',
    notifyOnNetworkStatusChange: true,
  });
  const page = (data ?? previousData)?.customers;
  if (!page) return error ? <ErrorBanner error={error} /> : <Loading />;
  const more = (after: string) =>
    fetchMore({
      variables: { after },
      updateQuery: (prev, { fetchMoreResult }) => ({
        customers: {
          ...fetchMoreResult.customers,
          edges: joinPages(prev.customers.edges, fetchMoreResult.customers.edges),
        },
      }),
    });
  return (
    <>
      <ErrorBanner error={error} />
      {page.edges.length === 0 ? (
        <p role="status">{search ? `No customer matches “${search}”.` : 'No customers yet.'}</p>
      ) : (
        <table>
          <caption className="visually-hidden">{search ? `Customers matching “${search}”` : 'Customers'}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Phone numbers</th>
              <th scope="col">E-mail</th>
            </tr>
          </thead>
          <tbody>
            {page.edges.map(({ node }) => (
              <tr key={node.id}>
                <td>
                  <Link to={`/customers/${node.id}`}>{node.name}</Link>
                </td>
                <td>{node.phoneNumbers.join(', ') || '—'}</td>
                <td>{node.email ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore pageInfo={page.pageInfo} load={more} />
    </>
  );
}
