import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/**
 * Holds an upload's body until all of it has arrived, so no database transaction waits on a slow network
 * and nothing is written before the whole batch is known. The first `memoryBytes` stay in memory; the rest
 * goes to a file, so memory does not grow with the upload. The bytes are kept as received: they are parsed
 * once, while being stored.
 */
export class UploadSpool {
  private readonly inMemory: Buffer[] = [];
  private memoryUsed = 0;
  private file: { path: string; stream: WriteStream } | undefined;

  constructor(
    private readonly memoryBytes: number,
    private readonly directory: string,
  ) {}

  /** Resolves at once unless the file needs draining; the caller pauses its source until it does. */
  write(data: Buffer): Promise<void> | undefined {
    if (!this.file && this.memoryUsed + data.length <= this.memoryBytes) {
      this.inMemory.push(data);
      this.memoryUsed += data.length;
      return undefined;
    }
    if (!this.file) {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      const file = path.join(this.directory, `upload-${randomUUID()}.part`);
      this.file = { path: file, stream: createWriteStream(file, { mode: 0o600 }) };
    }
    if (this.file.stream.write(data)) return undefined;
    return once(this.file.stream, 'drain').then(() => undefined);
  }

  /** The body in order. Can be read again (a retried transaction does). */
  async *read(): AsyncGenerator<Buffer> {
    yield* this.inMemory;
    if (!this.file) return;
    const { stream } = this.file;
    if (!stream.writableFinished) {
      if (!stream.writableEnded) stream.end();
      await once(stream, 'finish');
    }
    for await (const chunk of createReadStream(this.file.path, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
  }

  discard(): void {
    this.inMemory.length = 0;
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
