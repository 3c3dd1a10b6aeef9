/**
 * The baseline for the gateway-overhead benchmarks: the same handler code (auth, query, JSON) that
 * list-tasks and create-task run, served by one plain `node:http` server in one process, with no
 * gateway, no function host and no process hop: what a single monolithic server would do.
 * Answers `/function/<name>/<rest>` like the gateway, so the load generator sends the very same
 * requests to both. Prints `{"msg":"baseline listening","port":…}` on stderr once it listens on
 * BASELINE_PORT (0: any free port); stdout carries the handlers' log lines.
 */
import { type IncomingMessage, createServer } from 'node:http';
import type { FunctionContext, FunctionEvent, TemplateHandler } from '@todo/shared/server';
import createTask from '../create-task/src/handler.ts';
import listTasks from '../list-tasks/src/handler.ts';

const HANDLERS: Record<string, TemplateHandler> = { 'list-tasks': listTasks, 'create-task': createTask };

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The node18 template's `context`, reduced to what the handlers use. */
function replyContext(): FunctionContext & { statusCode: number; headerValues: Record<string, string>; result: Promise<unknown> } {
  let settle!: (value: unknown) => void;
  let fail!: (err: unknown) => void;
  const result = new Promise<unknown>((res, rej) => {
    settle = res;
    fail = rej;
  });
  return {
    statusCode: 200,
    headerValues: {},
    result,
    status(code) {
      if (code) this.statusCode = code;
      return this;
    },
    headers(values) {
      if (values) this.headerValues = values;
      return this;
    },
    succeed: (value) => settle(value),
    fail: (err) => fail(err),
  };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://baseline');
  const [, prefix, name, ...rest] = url.pathname.split('/');
  const handler = prefix === 'function' && name ? HANDLERS[name] : undefined;
  if (!handler) {
    res.writeHead(404).end();
    return;
  }
  void (async () => {
    // As with RAW_BODY=true in stack.yml: the handler gets the body as bytes.
    const event: FunctionEvent = {
      body: await bodyOf(req),
      headers: req.headers,
      method: req.method ?? 'GET',
      query: Object.fromEntries(url.searchParams),
      path: `/${rest.join('/')}`,
    };
    const context = replyContext();
    await handler(event, context);
    const body = (await context.result) as string | Buffer;
    res.writeHead(context.statusCode, { ...context.headerValues, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  })().catch(() => {
    res.writeHead(500).end();
  });
});

server.listen(Number(process.env.BASELINE_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stderr.write(`${JSON.stringify({ msg: 'baseline listening', port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
