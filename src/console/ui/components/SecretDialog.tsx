import { useState } from 'preact/hooks';
import { Dialog } from './Dialog.js';

interface SecretDialogProps {
  title: string;
  clientId: string;
  clientSecret: string;
  onClose(): void;
}

/** A new client secret, shown this once: psif keeps only a keyed hash of it. */
export function SecretDialog({ title, clientId, clientSecret, onClose }: SecretDialogProps) {
  const [copied, setCopied] = useState<string>();
  const copy = () =>
    navigator.clipboard.writeText(clientSecret).then(
      () => setCopied('Copied to the clipboard.'),
      () => setCopied('The browser refused the clipboard: select the secret and copy it by hand.'),
    );
  return (
    <Dialog title={title} onClose={onClose}>
      <p class="warning" role="note">
        Copy the secret now: it will not be shown again. Lost secrets can only be replaced by rotating them.
      </p>
      <label for="new-client-id">Client id</label>
      <input id="new-client-id" readOnly value={clientId} />
      <label for="new-client-secret">Client secret</label>
      <input id="new-client-secret" readOnly value={clientSecret} data-testid="client-secret" onFocus={(e) => e.currentTarget.select()} />
      <p aria-live="polite">{copied}</p>
      <div class="actions">
        <button type="button" onClick={copy}>
          Copy secret
        </button>
        <button type="button" class="secondary" onClick={onClose}>
          I have saved it
        </button>
      </div>
    </Dialog>
  );
}
