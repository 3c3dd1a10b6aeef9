/** The test stack's log file (`inject('logFile')`): every stack and function line, one JSON object each. */
import { readFile } from 'node:fs/promises';

export type LogLine = Record<string, unknown>;

/** Every line of the log file, parsed; throws on a line that is not one JSON object. */
export async function readLogLines(logFile: string): Promise<LogLine[]> {
  const text = await readFile(logFile, 'utf8');
  // A line still being written has no newline yet: it is read next time.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error(`${logFile}:${i + 1} is not a JSON object: ${line.slice(0, 200)}`);
      }
      return value as LogLine;
    });
}

/** The request lines the functions wrote for one X-Call-Id. */
export async function requestLines(logFile: string, callId: string): Promise<LogLine[]> {
  return (await readLogLines(logFile)).filter((l) => l.msg === 'request' && l.callId === callId);
}
