import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Where the stack's own log lines and its children's go. */
export type LogSink = ((fields: Record<string, unknown>) => void) & {
  /** Writes a line that is already one JSON object as it is (the children's request logs). */
  passthrough?: (line: string) => void;
};

/** Writes each entry as one JSON line to a stream (stdout by default). */
export function jsonLines(write: (line: string) => void = (l) => process.stdout.write(l)): LogSink {
  const sink: LogSink = (fields) => write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
  sink.passthrough = (line) => write(`${line}\n`);
  return sink;
}

/**
 * Forwards a child's output line by line: JSON lines pass through as they are; anything else
 * (a stack trace on stderr, say) is wrapped so the stream stays one JSON object per line.
 */
export function logLines(stream: Readable, sink: LogSink, context: Record<string, unknown>): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    if (!line) return;
    // The function hosts log one JSON object per line: relayed without parsing, as this runs
    // once per request in the gateway's process.
    if (sink.passthrough && line.startsWith('{"') && line.endsWith('}')) {
      sink.passthrough(line);
      return;
    }
    if (line.startsWith('{')) {
      try {
        sink(JSON.parse(line) as Record<string, unknown>);
        return;
      } catch {
        // not JSON after all
      }
    }
    sink({ level: context.stream === 'stderr' ? 'error' : 'info', ...context, msg: line.slice(0, 2000) });
  });
}
