import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { readConfig } from './api';
import { CustomerView } from './customer';
import { OperatorView } from './operator';
import { currentSession, signIn, signOut, type Session } from './session';
import { TraceView } from './trace';
import './styles.css';

const config = readConfig();

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <main class="sign-in">
      <h2>Sign in</h2>
      <p>
        Paste a bearer token. Locally: <code>npm run -s stack:token -- --operator</code>, or{' '}
        <code>npm run -s stack:token -- --customer c-42</code> for a customer's view. It is kept in this tab
        only.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const session = signIn(token);
          if (session) onSignedIn(session);
          else setProblem('That is not a token: expected a JWT (three base64url parts separated by dots).');
        }}
      >
        <textarea
          name="token"
          rows={5}
          value={token}
          aria-label="token"
          onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)}
        />
        <br />
        <button type="submit">Sign in</button>
      </form>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </main>
  );
}

function useRoute(): string {
  const [route, setRoute] = useState(window.location.hash.slice(1) || '/');
  useEffect(() => {
    const changed = () => setRoute(window.location.hash.slice(1) || '/');
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function App() {
  const [session, setSession] = useState<Session | null>(currentSession());
  const route = useRoute();
  if (!session) return <SignIn onSignedIn={setSession} />;
  const traced = /^\/trace\/([0-9a-f-]{36})$/.exec(route)?.[1];
  const wanted =
    route.startsWith('/operator') || traced
      ? 'operator'
      : route.startsWith('/customer')
        ? 'customer'
        : session.role;
  return (
    <>
      <nav class="top">
        <strong>Order pipeline</strong>
        <a href="#/operator">Operations</a>
        <a href="#/customer">Shop</a>
        <span class="who">
          {session.subject} ({session.role}){' '}
          <button
            onClick={() => {
              signOut();
              setSession(null);
            }}
          >
            Sign out
          </button>
        </span>
      </nav>
      {wanted === 'operator' &&
        (session.role === 'operator' ? (
          traced ? (
            <TraceView config={config} token={session.token} orderId={traced} />
          ) : (
            <OperatorView config={config} token={session.token} />
          )
        ) : (
          <main>
            <p class="error" role="alert" id="not-an-operator">
              This view is for operators; you are signed in as a {session.role}.
            </p>
          </main>
        ))}
      {wanted === 'customer' &&
        (session.role === 'customer' ? (
          <CustomerView config={config} token={session.token} customerId={session.subject} />
        ) : (
          <main>
            <p class="muted">
              The shop is a customer's view: sign in with a customer's token to place orders.
            </p>
          </main>
        ))}
      {wanted === 'unknown' && (
        <main>
          <p class="error" role="alert">
            This token has neither the operator nor the customer role.
          </p>
        </main>
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
