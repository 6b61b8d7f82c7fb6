import { styleText } from 'node:util';

/** pino's levels; `silent` shows nothing. */
export const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type Level = keyof typeof levels;

export const isLevel = (value: string | undefined): value is Level => value !== undefined && value in levels;

const names = new Map<number, string>(Object.entries(levels).map(([name, value]) => [value, name.toUpperCase()]));

/** Where the runner writes for people: one line per call, no trailing newline. */
export type Output = (line: string) => void;

export interface Printer {
  /** A line of the runner's own (lifecycle, tables): always shown. */
  say(source: string, text: string): void;
  /** A line a process wrote on stdout: a pino JSON line is shown from `threshold` up; other text always. */
  processLine(source: string, raw: string, threshold: number): void;
  /** A line a process wrote on stderr: always shown (a crash, a bad configuration). */
  errorLine(source: string, raw: string): void;
}

const fieldsLeftOut = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg', 'err']);

function clock(now: Date): string {
  return now.toISOString().slice(11, 23);
}

/**
 * Pretty-prints the JSON lines of many processes into one readable stream:
 * `12:00:01.234 gdmarket/item#1 WARN message {"other":"fields"}`, an error's stack indented below.
 */
export function createPrinter(output: Output, color: boolean, now: () => Date = () => new Date()): Printer {
  const paint = (format: Parameters<typeof styleText>[0], text: string): string =>
    color ? styleText(format, text, { validateStream: false }) : text;
  const prefix = (source: string): string => `${paint('dim', clock(now()))} ${paint('cyan', source)}`;

  const levelText = (level: number): string => {
    const name = (names.get(level) ?? String(level)).padEnd(5);
    if (level >= levels.error) return paint('red', name);
    if (level >= levels.warn) return paint('yellow', name);
    return paint('dim', name);
  };

  return {
    say(source, text) {
      output(`${prefix(source)} ${text}`);
    },
    processLine(source, raw, threshold) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // Not a log entry (a library printing on its own): shown as it is.
        output(`${prefix(source)} ${raw}`);
        return;
      }
      const level = typeof entry.level === 'number' ? entry.level : levels.info;
      if (level < threshold) return;
      const rest = Object.fromEntries(Object.entries(entry).filter(([key]) => !fieldsLeftOut.has(key)));
      const extra = Object.keys(rest).length > 0 ? ` ${paint('dim', JSON.stringify(rest))}` : '';
      output(`${prefix(source)} ${levelText(level)} ${String(entry.msg ?? '')}${extra}`);
      // pino's form of an Error, or whatever else a caller logged as err (a string, say) as it is.
      const err = entry.err as { type?: string; message?: string; stack?: string } | string | undefined;
      if (err !== undefined) {
        const text = typeof err === 'string' ? err : (err.stack ?? `${err.type ?? 'Error'}: ${err.message ?? ''}`);
        for (const line of text.split('\n')) output(`    ${line}`);
      }
    },
    errorLine(source, raw) {
      output(`${prefix(source)} ${paint('red', raw)}`);
    },
  };
}

/** The last lines a process wrote, whatever their level: what a failure report shows. */
export class Tail {
  readonly #lines: string[] = [];
  readonly #size: number;

  constructor(size = 15) {
    this.#size = size;
  }

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#size) this.#lines.shift();
  }

  lines(): readonly string[] {
    return this.#lines;
  }
}
