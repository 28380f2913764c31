/**
 * A batch of upload lines written straight into bytes, as the module's body: lines joined by CRLF, no
 * trailing newline. Every encoded line is ASCII (PHP escapes everything else), so text is copied byte for
 * byte, without building one string per page first.
 */
const SHORT_TEXT = 24;

export class NdjsonWriter {
  private buffer: Buffer;
  private size = 0;
  /** Lines written so far. */
  lines = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a line: the separator comes before every line but the first. */
  startLine(): void {
    if (this.lines++ === 0) return;
    this.reserve(2);
    this.buffer[this.size++] = 13;
    this.buffer[this.size++] = 10;
  }

  /** ASCII text of the current line. */
  text(ascii: string): void {
    const length = ascii.length;
    this.reserve(length);
    // Most values are a few characters long: a loop costs less than a call into Buffer#write.
    if (length < SHORT_TEXT) {
      for (let i = 0; i < length; i++) this.buffer[this.size + i] = ascii.charCodeAt(i);
      this.size += length;
    } else {
      this.size += this.buffer.write(ascii, this.size, 'latin1');
    }
  }

  /** Pre-encoded bytes of the current line. */
  bytes(chunk: Buffer): void {
    this.reserve(chunk.length);
    this.buffer.set(chunk, this.size);
    this.size += chunk.length;
  }

  line(ascii: string): void {
    this.startLine();
    this.text(ascii);
  }

  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.size);
  }

  private reserve(bytes: number): void {
    if (this.size + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.size + bytes));
    this.buffer.copy(grown, 0, 0, this.size);
    this.buffer = grown;
  }
}
