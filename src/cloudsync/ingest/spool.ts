import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { LineSplitter } from './line-splitter.js';
import type { Op } from './line-parser.js';

/**
 * Holds an upload's validated operations until the whole body has been checked, so nothing is written
 * unless every line is valid, and no database transaction waits on a slow network. The first
 * `memoryBytes` of lines stay in memory as operations; the rest is written to a file as the raw lines and
 * parsed again when applied, so memory does not grow with the upload.
 */
export class UploadSpool {
  private readonly inMemory: Op[] = [];
  private memoryUsed = 0;
  private file: { path: string; stream: WriteStream } | undefined;

  constructor(
    private readonly memoryBytes: number,
    private readonly directory: string,
  ) {}

  get spilled(): boolean {
    return this.file !== undefined;
  }

  /** Returns false when the caller should wait for `drained()` before adding more. */
  add(ops: Op[], text: string): boolean {
    if (!this.file && this.memoryUsed + text.length <= this.memoryBytes) {
      for (const op of ops) this.inMemory.push(op);
      this.memoryUsed += text.length;
      return true;
    }
    if (!this.file) {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      const file = path.join(this.directory, `upload-${randomUUID()}.ndjson`);
      this.file = { path: file, stream: createWriteStream(file, { mode: 0o600 }) };
    }
    return this.file.stream.write(`${text}\n`);
  }

  async drained(): Promise<void> {
    if (this.file && this.file.stream.writableNeedDrain) await once(this.file.stream, 'drain');
  }

  /** Every operation in upload order; `reparse` turns a spooled line back into operations. Can be run again. */
  async *ops(reparse: (text: string, line: number) => Op[]): AsyncGenerator<Op> {
    yield* this.inMemory;
    if (!this.file) return;
    await this.closeFile();
    let buffered: Op[] = [];
    const splitter = new LineSplitter(Number.MAX_SAFE_INTEGER, {
      line: (text, line) => {
        for (const op of reparse(text, line)) buffered.push(op);
      },
      reject: () => {
        throw new Error('spooled upload line became unreadable');
      },
    });
    for await (const chunk of createReadStream(this.file.path, { highWaterMark: 1024 * 1024 })) {
      splitter.push(chunk as Buffer);
      const ready = buffered;
      buffered = [];
      yield* ready;
    }
    splitter.end();
    yield* buffered;
  }

  private async closeFile(): Promise<void> {
    const stream = this.file?.stream;
    if (!stream || stream.writableFinished) return;
    if (!stream.writableEnded) stream.end();
    await once(stream, 'finish');
  }

  discard(): void {
    if (!this.file) return;
    this.file.stream.destroy();
    rmSync(this.file.path, { force: true });
  }
}

/**
 * Spool files live as long as their request; old ones belong to a process that died mid-upload. Only old
 * ones are removed: another process sharing the data directory may be receiving an upload right now.
 */
export function removeStaleSpoolFiles(directory: string, olderThanMs: number, now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  for (const name of names) {
    const file = path.join(directory, name);
    try {
      if (name.startsWith('upload-') && now - statSync(file).mtimeMs > olderThanMs) {
        rmSync(file, { force: true });
        removed++;
      }
    } catch {
      // Removed meanwhile by its own request.
    }
  }
  return removed;
}
