import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './page.css';
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';

/** The API is the page's own URL: HTTP for queries and mutations, graphql-ws on the same path for subscriptions. */
const httpUrl = `${location.origin}${location.pathname}`;
const wsUrl = httpUrl.replace(/^http/, 'ws');

/** What the header editor shows until the newcomer pastes a real token in. */
const TOKEN_PLACEHOLDER = '<token from login>';
const DEFAULT_HEADERS = `{"Authorization": "Bearer ${TOKEN_PLACEHOLDER}"}`;

const DEFAULT_QUERY = `# 1. Run "Login" (▶, or Ctrl-Enter inside it) with your
#    e-mail and password: the service's first start prints
#    the first administrator's. (The example header below
#    is not sent.)
# 2. Put the token it returns into the Headers tab below:
#    {"Authorization": "Bearer smsd_..."}
# 3. Run "Me", "Mailboxes", or "LiveNotifications", which
#    shows each new SMS as it arrives.

mutation Login {
  login(
    email: "admin@smsdesk.local"
    password: "<printed password>"
  ) {
    token
    user { name role }
  }
}

query Me {
  me { id name email role }
}

query Mailboxes {
  gateways {
    id name provider destinationNumber incomingActive
  }
}

subscription LiveNotifications {
  notificationAdded { id kind title createdAt }
}
`;

/**
 * GraphQL over HTTP and graphql-ws with the headers of the header editor. Their names go lower-case, as the
 * server reads `connectionParams.authorization` on the socket (HTTP does not mind), and a header still
 * holding the example token is left out, so that "Login" runs before there is a token.
 */
const base = createGraphiQLFetcher({ url: httpUrl, subscriptionUrl: wsUrl });
const fetcher: Fetcher = (params, opts) => {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(opts?.headers ?? {})) {
    if (typeof value === 'string' && value.includes(TOKEN_PLACEHOLDER)) continue;
    headers[name.toLowerCase()] = value;
  }
  return base(params, { ...opts, headers });
};

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    defaultHeaders={DEFAULT_HEADERS}
    defaultEditorToolsVisibility="headers"
  />,
);
