import type { ComponentChildren } from 'preact';

/**
 * A wide table that scrolls sideways on a narrow screen. Keyboard users scroll it too: the region takes
 * focus (WCAG 2.1.1), and is named for screen readers.
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
