/**
 * One output stream of the child: every chunk is appended to its log file as it arrives (a
 * synchronous write, so nothing is lost if the child or mltrack dies a moment later), then echoed
 * to the terminal, and optionally cut into lines for the metrics protocol.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface Sink {
  write(chunk: Uint8Array | string): unknown;
}

/** Longest line the protocol looks at; a longer line is passed through and never parsed. */
export const MAX_PROTOCOL_LINE = 64 * 1024;

/** Cuts text chunks into lines (bounded memory: an over-long line is reported, not buffered). */
export class LineSplitter {
  private partial = '';
  private overlong = false;
  private readonly decoder = new StringDecoder('utf8');
  lineNumber = 0;

  constructor(
    private readonly onLine: (line: string, lineNumber: number) => void,
    private readonly onOverlong: (lineNumber: number, start: string) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    this.take(this.decoder.write(chunk as Buffer));
  }

  end(): void {
    this.take(this.decoder.end());
    if (this.partial !== '' || this.overlong) this.emit();
  }

  private take(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.append(text.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
    this.append(text.slice(start));
  }

  private append(text: string): void {
    if (this.overlong || text === '') return;
    if (this.partial.length + text.length > MAX_PROTOCOL_LINE) {
      this.overlong = true;
      this.partial = (this.partial + text).slice(0, 40);
    } else this.partial += text;
  }

  private emit(): void {
    this.lineNumber++;
    if (this.overlong) this.onOverlong(this.lineNumber, this.partial);
    else this.onLine(this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial, this.lineNumber);
    this.partial = '';
    this.overlong = false;
  }
}

export class OutputCapture {
  private fd: number | null;

  constructor(
    /** Log file, or null when output cannot be saved. */
    readonly path: string | null,
    private readonly echo: Sink | null,
    private readonly lines: LineSplitter | null = null,
  ) {
    this.fd = path === null ? null : openSync(path, 'a');
  }

  write(chunk: Uint8Array): void {
    if (this.fd !== null) writeAll(this.fd, chunk);
    this.echo?.write(chunk);
    this.lines?.push(chunk);
  }

  /** Text that belongs in the log but did not come from the child (say, why it could not start). */
  note(text: string): void {
    if (this.fd !== null) writeAll(this.fd, Buffer.from(text));
  }

  close(): void {
    this.lines?.end();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
