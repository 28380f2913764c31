import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useConsole } from '../api.js';
import { Link, useRoute } from '../router.js';

const ITEMS = [
  { href: '/', label: 'Dashboard', admin: false },
  { href: '/shops', label: 'Shops', admin: false },
  { href: '/clients', label: 'Clients', admin: true },
  { href: '/keys', label: 'Signing keys', admin: true },
];

export function Layout({ children }: { children: ComponentChildren }) {
  const { session, signOut } = useConsole();
  const { path } = useRoute();
  const [open, setOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // On a phone the menu covers the page: a choice closes it.
    setOpen(false);
    // A new page is announced by moving focus to it, as a full page load would (not on the first one).
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path]);
  const active = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">psif Tech Console</span>
        <button type="button" class="menu-toggle" aria-expanded={open} aria-controls="primary-nav" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <nav id="primary-nav" aria-label="Main" class={open ? 'open' : undefined}>
          <ul>
            {ITEMS.filter((item) => !item.admin || session.kind === 'admin').map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={active(item.href) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
          <div class="who">
            <span data-testid="who">
              {session.name} <span class="badge badge-kind">{session.kind}</span>
            </span>
            <button type="button" class="secondary" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        </nav>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        {children}
      </main>
    </>
  );
}
