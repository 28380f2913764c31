import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Client routes live under /console, with the History API (no hash): the server answers index.html for them. */
const BASE = '/console';

const CHANGE = 'psif:navigate';

function current(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return path === '' ? '/' : path;
}

export function navigate(path: string): void {
  history.pushState(null, '', BASE + path);
  dispatchEvent(new Event(CHANGE));
}

/** The path below /console, with its query string, following back/forward and navigate(). */
export function useRoute(): { path: string; query: URLSearchParams } {
  const [route, setRoute] = useState(() => ({ path: current(), search: location.search }));
  useEffect(() => {
    const update = () => setRoute({ path: current(), search: location.search });
    addEventListener('popstate', update);
    addEventListener(CHANGE, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(CHANGE, update);
    };
  }, []);
  return { path: route.path, query: new URLSearchParams(route.search) };
}

/** `/shops/:shopId` against a path: the named parts, or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.replace(/\/$/, '').split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
}

interface LinkProps {
  href: string;
  children: ComponentChildren;
  'aria-current'?: 'page' | undefined;
}

/** A real link (middle click, copy address work) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={BASE + href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
