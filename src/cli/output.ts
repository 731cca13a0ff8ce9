/**
 * Everything the CLI prints goes through here: tables and colour for people (colour only on a TTY
 * and never with NO_COLOR), JSON for programs, progress on stderr, errors as one line. Every text
 * line is made terminal-safe here, once: a value holding ESC, `\r` or `\n` is shown escaped, so it
 * cannot move the cursor, clear the screen or forge a line. Only the colour codes `paint` itself
 * emits survive, and only when colour is on.
 */
import { escapeControl } from '../format/errors.js';
import { stringifyJson, type Json } from '../format/restJson.js';

export interface OutputStreams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], cyan: [36, 39], gray: [90, 39] } as const;
export type Colour = keyof typeof CODES;
/** Exactly the sequences `paint` writes: they change colour or weight, never the cursor or the screen. */
const PAINT_CODES = new RegExp(`(\u001b\\[(?:${[...new Set(Object.values(CODES).flat())].join('|')})m)`);

/** Control characters escaped; with `keepPaint`, the colour codes `paint` writes are kept as they are. */
export function terminalSafe(text: string, keepPaint: boolean): string {
  if (!keepPaint) return escapeControl(text);
  return text.split(PAINT_CODES).map((part, i) => (i % 2 === 1 ? part : escapeControl(part))).join('');
}

/**
 * A reader that went away (`mltrack runs list | head -2`) is not a failure: the broken pipe is
 * swallowed once here for the process's own streams, later writes go nowhere, and the command
 * finishes its work and exits as it would have. Other stream errors still surface.
 */
export function quietOnClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}

export class Output {
  readonly json: boolean;
  private readonly colour: boolean;
  private readonly errColour: boolean;

  constructor(
    readonly streams: OutputStreams,
    options: { json?: boolean; colour?: boolean } = {},
  ) {
    this.json = options.json ?? false;
    const allowed = options.colour !== false && !('NO_COLOR' in streams.env && streams.env.NO_COLOR !== '') && streams.env.TERM !== 'dumb';
    const forced = Boolean(streams.env.FORCE_COLOR && streams.env.FORCE_COLOR !== '0');
    this.colour = allowed && (forced || Boolean(streams.stdout.isTTY));
    this.errColour = allowed && (forced || Boolean(streams.stderr.isTTY));
  }

  paint(colour: Colour, text: string, forStderr = false): string {
    if (!(forStderr ? this.errColour : this.colour)) return text;
    const [open, close] = CODES[colour];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** One line on stdout: a newline inside `text` is shown as `\n`, never written. */
  line(text = ''): void {
    this.streams.stdout.write(terminalSafe(text, this.colour) + '\n');
  }

  /**
   * A multi-line text whose line breaks are meant (a description, a Markdown review): each line made
   * safe, and indented when it holds a value, so no line of it passes for one of the command's own.
   */
  block(text: string, indent = ''): void {
    const lines = text.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    for (const l of lines) this.line(l === '' ? '' : indent + l);
  }

  /** A JSON document on stdout (the whole output of a --json command). */
  data(value: Json): void {
    this.streams.stdout.write(stringifyJson(value, 2) + '\n');
  }

  info(text: string): void {
    this.streams.stderr.write(terminalSafe(text, this.errColour) + '\n');
  }

  warn(text: string): void {
    this.streams.stderr.write(`${this.paint('yellow', 'warning:', true)} ${escapeControl(text)}\n`);
  }

  /** One line, whatever the message holds (a key with a newline cannot forge a second line). */
  error(code: string, message: string): void {
    this.streams.stderr.write(`${this.paint('red', `mltrack: error ${code}:`, true)} ${escapeControl(message)}\n`);
  }

  /** A one-line progress indicator on a TTY; silent otherwise. Returns a function that ends it. */
  progress(label: string, total: number): { tick(done: number): void; done(): void } {
    if (!this.streams.stderr.isTTY || this.json) return { tick: () => {}, done: () => {} };
    let last = 0;
    const draw = (done: number) => {
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      this.streams.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
    };
    return {
      tick: (done) => {
        const now = Date.now();
        if (now - last > 80 || done === total) {
          last = now;
          draw(done);
        }
      },
      done: () => this.streams.stderr.write('\r\u001b[2K'),
    };
  }

  /** A table with a header row; columns are padded to their widest cell (by code points). */
  table(headers: string[], rowsIn: string[][]): void {
    // Escaped before measuring, so an escaped cell still lines up.
    const rows = rowsIn.map((r) => r.map((c) => terminalSafe(c, this.colour)));
    const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
    const render = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
    this.line(this.paint('bold', render(headers)));
    for (const row of rows) this.line(render(row));
  }
}

function width(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

/** `2026-11-23 14:05:09` in local time. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Cut a cell to `max` characters, control characters escaped first, so a value can never break the table. */
export function cell(text: string, max = 40): string {
  const visible = escapeControl(text);
  const chars = [...visible];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : visible;
}
