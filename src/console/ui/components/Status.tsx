import { ApiProblem } from '../session.js';

/** An API error as the user sees it: the message, and psif's code for searching the docs or logs. */
export function ErrorMessage({ error, title }: { error: Error | undefined; title?: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <p>
        {error.message}
        {error instanceof ApiProblem && (
          <>
            {' '}
            <code>
              {error.status} {error.code}
            </code>
          </>
        )}
      </p>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** The shop's last health probe as a badge: healthy, unhealthy, or never probed. */
export function HealthBadge({ healthy }: { healthy: boolean | null }) {
  if (healthy === null) return <span class="badge badge-unknown">not probed</span>;
  return healthy ? <span class="badge badge-ok">healthy</span> : <span class="badge badge-bad">unhealthy</span>;
}
