import cliProgress from 'cli-progress';

/** Where a long task reports how far it got: the CLI draws bars, tests pass `silentProgress`. */
export interface Progress {
  /** A step with `total` units, shown under `label` until `stop`. */
  bar(label: string, total: number): ProgressBar;
  /** Ends every bar (the CLI then prints below them). */
  close(): void;
}

export interface ProgressBar {
  update(value: number, detail?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

export const silentProgress: Progress = {
  bar: () => ({ update() {}, setTotal() {}, stop() {} }),
  close() {},
};

/**
 * Bars on a terminal (cli-progress), plain lines elsewhere: a pipe or a CI log gets one line when a step
 * starts, at most one every few seconds while it runs, and one when it ends, not a stream of redraws.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const bars = new cliProgress.MultiBar(
    { stream, format: ' {label} |{bar}| {value}/{total} {detail}', hideCursor: true, clearOnComplete: false, stopOnComplete: false, barsize: 30, forceRedraw: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    bar(label, total) {
      const bar = bars.create(Math.max(total, 1), 0, { label: label.padEnd(34), detail: '' });
      return {
        update: (value, detail = '') => bar.update(value, { detail }),
        setTotal: (next) => bar.setTotal(Math.max(next, 1)),
        stop: () => bar.update(bar.getTotal()),
      };
    },
    close: () => bars.stop(),
  };
}

const PLAIN_INTERVAL_MS = 3000;

function lineProgress(stream: NodeJS.WriteStream): Progress {
  return {
    bar(label, initialTotal) {
      let total = initialTotal;
      let last = 0;
      let value = 0;
      let detail = '';
      const line = (state: string) => stream.write(`${label}: ${value}/${total}${detail ? ` ${detail}` : ''}${state}\n`);
      stream.write(`${label}: started (${total})\n`);
      return {
        update(next, nextDetail = '') {
          value = next;
          detail = nextDetail;
          if (Date.now() - last >= PLAIN_INTERVAL_MS) {
            last = Date.now();
            line('');
          }
        },
        setTotal(next) {
          total = next;
        },
        stop() {
          value = total;
          line(' done');
        },
      };
    },
    close() {},
  };
}
