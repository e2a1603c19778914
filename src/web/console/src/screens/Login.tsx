import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { graphql } from '../gql';
import { useSession } from '../session';
import { ErrorBanner, Notice } from '../ui/feedback';
import { TextField } from '../ui/fields';
import { usePageTitle } from '../ui/title';

const LOGIN = graphql(`
  mutation ConsoleLogin($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      token
      user {
        id
        name
        email
        role
      }
    }
  }
`);

export function Login() {
  usePageTitle('Log in');
  const { signIn, notice } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [login, { loading, error }] = useMutation(LOGIN);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { data } = await login({ variables: { email, password } }).catch(() => ({ data: undefined }));
    if (data) signIn(data.login);
  }

  return (
    <main className="login">
      <h1>smsdesk</h1>
      <form onSubmit={submit} aria-labelledby="login-title">
        <h2 id="login-title">Log in</h2>
        {notice && <Notice>{notice}</Notice>}
        <ErrorBanner error={error} />
        <TextField
          label="E-mail"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="primary" disabled={loading}>
          Log in
        </button>
      </form>
    </main>
  );
}
