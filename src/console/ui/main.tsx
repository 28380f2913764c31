import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ConsoleContext, consoleFor, useConsole } from './api.js';
import { Layout } from './components/Layout.js';
import { ClientsPage } from './pages/ClientsPage.js';
import { DashboardPage } from './pages/DashboardPage.js';
import { KeysPage } from './pages/KeysPage.js';
import { ShopPage } from './pages/ShopPage.js';
import { ShopsPage } from './pages/ShopsPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { Link, match, useRoute } from './router.js';
import { EXPIRED, loadSession, saveSession, type Session } from './session.js';
import './styles.css';

function Page() {
  const { path } = useRoute();
  const { session } = useConsole();
  const admin = session.kind === 'admin';
  const shop = match('/shops/:shopId', path);
  if (path === '/') return <DashboardPage />;
  if (match('/shops', path)) return <ShopsPage />;
  if (shop) return <ShopPage shopId={shop.shopId!} />;
  // Vendors do not get the admin pages at all (the API would refuse them anyway).
  if (admin && match('/clients', path)) return <ClientsPage />;
  if (admin && match('/keys', path)) return <KeysPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Back to the dashboard</Link>.
      </p>
    </section>
  );
}

function App() {
  const [restored] = useState(loadSession);
  const [session, setSession] = useState<Session | undefined>(restored.session);
  const [reason, setReason] = useState<string | undefined>(restored.expired ? EXPIRED : undefined);
  const signOut = useMemo(
    () => (why?: string) => {
      saveSession(undefined);
      setReason(why);
      setSession(undefined);
    },
    [],
  );
  useEffect(() => {
    if (!session) return;
    // Polling the clock, not one long timeout: timers stall while a laptop sleeps, and overflow past 24.8 days.
    const watch = setInterval(() => {
      if (Date.now() >= session.expiresAt) signOut(EXPIRED);
    }, 1000);
    return () => clearInterval(watch);
  }, [session, signOut]);
  const ctx = useMemo(() => session && consoleFor(session, signOut), [session, signOut]);
  if (!ctx) {
    return (
      <SignInPage
        reason={reason}
        onSignedIn={(signedIn) => {
          saveSession(signedIn);
          setReason(undefined);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <ConsoleContext.Provider value={ctx}>
      <Layout>
        <Page />
      </Layout>
    </ConsoleContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
