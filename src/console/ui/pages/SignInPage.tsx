import { useState } from 'preact/hooks';
import { ErrorMessage } from '../components/Status.js';
import { signIn, type Session } from '../session.js';

interface SignInProps {
  /** Why the previous session ended, when it did. */
  reason: string | undefined;
  onSignedIn(session: Session): void;
}

export function SignInPage({ reason, onSignedIn }: SignInProps) {
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(clientId.trim(), clientSecret));
    } catch (failure) {
      setError(failure as Error);
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>psif Tech Console</h1>
      <p>Sign in with the credentials of an admin or vendor client. The secret is used once to get a token and is not kept.</p>
      {reason && (
        <p class="notice" role="status">
          {reason}
        </p>
      )}
      <ErrorMessage error={error} title="Sign-in failed" />
      <form onSubmit={submit}>
        <label for="client-id">Client id</label>
        <input id="client-id" name="client_id" autocomplete="username" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
        <label for="client-secret">Client secret</label>
        <input id="client-secret" name="client_secret" type="password" autocomplete="current-password" required value={clientSecret} onInput={(e) => setClientSecret(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
