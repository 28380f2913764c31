import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { PsifClient } from '../../client/psif-client.js';
import { ApiProblem, client, type Session } from './session.js';

export interface Console {
  session: Session;
  api: PsifClient;
  /** Ends the session; `reason` is shown on the sign-in page. */
  signOut(reason?: string): void;
}

export const ConsoleContext = createContext<Console | undefined>(undefined);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside a signed-in console');
  return value;
}

export function consoleFor(session: Session, signOut: (reason?: string) => void): Console {
  return { session, api: client(session), signOut };
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** An openapi-fetch answer → its data, or an ApiProblem carrying psif's `{code, message}`. */
export async function unwrap<T>(ctx: Console, pending: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { code?: string; message?: string; error?: string };
  const problem = new ApiProblem(response.status, body.code ?? body.error ?? `http_${response.status}`, body.message ?? response.statusText);
  // A token that stopped working (expired, revoked, client disabled) cannot recover: sign in again.
  if (response.status === 401) ctx.signOut(`Your session ended: ${problem.message}. Sign in again.`);
  throw problem;
}

interface Loaded<T> {
  data: T | undefined;
  error: ApiProblem | Error | undefined;
  loading: boolean;
  reload(): void;
}

/** Loads `fetcher` when `key` changes; the last answer of the same key stays shown while a reload runs. */
export function useLoad<T>(fetcher: (ctx: Console) => Promise<T>, key: string): Loaded<T> {
  const ctx = useConsole();
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; loading: boolean }>({ key, loading: true });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(fetcher);
  latest.current = fetcher;
  useEffect(() => {
    let current = true;
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, loading: true }));
    latest.current(ctx).then(
      (data) => current && setState({ key, data, loading: false }),
      (error: Error) => current && setState((s) => ({ key, data: s.key === key ? s.data : undefined, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [key, generation, ctx]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const fresh = state.key === key;
  return { data: fresh ? state.data : undefined, error: fresh ? state.error : undefined, loading: state.loading || !fresh, reload };
}
