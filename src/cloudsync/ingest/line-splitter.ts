import { isUtf8 } from 'node:buffer';

export interface LineSink {
  /** A complete line (without its LF or CRLF), numbered from 1. */
  line(text: string, lineNumber: number): void;
  /** A line that is not valid UTF-8, or longer than the limit (its bytes were dropped, not kept). */
  reject(lineNumber: number, code: 'line_too_long' | 'invalid_utf8', message: string): void;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into NDJSON lines on LF (CRLF too, as ps_eventbus joins lines with \r\n) without
 * holding more than one line: a line over `maxLineBytes` is counted and skipped, not buffered, so a
 * hostile upload cannot make the server hold more than the limit.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflow = false;
  private lineNumber = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  get lines(): number {
    return this.lineNumber;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        this.hold(chunk.subarray(start));
        return;
      }
      if (this.pendingBytes === 0 && !this.overflow) this.emit(chunk.subarray(start, newline));
      else {
        this.hold(chunk.subarray(start, newline));
        this.emitPending();
      }
      start = newline + 1;
    }
  }

  /** The last line has no newline after it (ps_eventbus writes none). */
  end(): void {
    if (this.pendingBytes > 0 || this.overflow) this.emitPending();
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0 || this.overflow) return;
    if (this.pendingBytes + bytes.length > this.maxLineBytes + 1) {
      // +1: the CR of a CRLF ending may be the byte that crosses the limit.
      this.overflow = true;
      this.pending = [];
      this.pendingBytes += bytes.length;
      return;
    }
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length;
  }

  private emitPending(): void {
    if (this.overflow) {
      this.lineNumber++;
      this.sink.reject(this.lineNumber, 'line_too_long', `line is longer than ${this.maxLineBytes} bytes (PSIF_UPLOAD_MAX_LINE_BYTES)`);
    } else {
      this.emit(this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes));
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.overflow = false;
  }

  private emit(bytes: Buffer): void {
    this.lineNumber++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    if (end > this.maxLineBytes) {
      this.sink.reject(this.lineNumber, 'line_too_long', `line is longer than ${this.maxLineBytes} bytes (PSIF_UPLOAD_MAX_LINE_BYTES)`);
      return;
    }
    const line = bytes.subarray(0, end);
    if (!isUtf8(line)) {
      this.sink.reject(this.lineNumber, 'invalid_utf8', 'line is not valid UTF-8');
      return;
    }
    this.sink.line(line.toString('utf8'), this.lineNumber);
  }
}
