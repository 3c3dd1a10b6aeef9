/**
 * Generated requests for the fuzzing test: every route, with wrong methods and content types,
 * odd and duplicated headers, malformed and hostile JSON, long, unicode and binary values, path
 * tricks, huge and negative numbers, and forged tokens and cursors. The same seed and targets
 * give the same requests, in the same order.
 */
import { METHODS } from 'node:http';
import type { RawRequest } from './raw-http.ts';
import type { SeededRandom } from './seeded-random.ts';

export interface FuzzRequest extends RawRequest {
  /** The function the request was aimed at (before any path trick), or "gateway". */
  target: string;
}

/** What the generator aims at: real tokens, ids and cursors of the stack under test. */
export interface FuzzTargets {
  /** The fuzzing user's valid token. */
  ownToken: string;
  /** Tokens no call may accept: forged, unsigned, expired, another secret's, a deleted user's. */
  refusedTokens: readonly string[];
  ownTaskIds: readonly string[];
  /** Another user's tasks: every call on them must be refused. */
  otherTaskIds: readonly string[];
  /** Real list cursors, of both users. */
  cursors: readonly string[];
  /** A real photo, accepted as an upload. */
  photo: Buffer;
}

type Generator = (r: SeededRandom, t: FuzzTargets) => FuzzRequest;

// CONNECT turns the connection into a tunnel: it is not a request to a route.
const ALL_METHODS = METHODS.filter((m) => m !== 'CONNECT');

const UNICODE_ALPHABET =
  'aZ09 -_.~éßøЖж漢字한국어😀👍🏽\u200b\u200d\u202e\u0301\ufeff\u0000\t\n"\\\'<>&%/{}[]:,';
const ASCII_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Header values Node lets a client send: tab, printable ASCII and obs-text (0x80–0xff). */
const HEADER_ALPHABET = ` !#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_\`abcxyz{|}~\u00a0\u00e9\u00ff\u0080\u00b5\t`;

const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  "'; DROP TABLE tasks; --",
  '" OR "1"="1',
  '../../etc/passwd',
  '%00',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '\ud800',
  'a\udc00b',
  '\u202egnp.exe',
  'e\u0301'.repeat(100),
  '😀'.repeat(255),
  '😀'.repeat(256),
  'x'.repeat(255),
  'x'.repeat(256),
  ' '.repeat(300),
  '\r\n\r\n',
  'null',
  '1e309',
  '__proto__',
];

const HOSTILE_NUMBERS: readonly number[] = [0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 64, 1e-320, 18446744073709551615];

/** JSON texts that are numbers JavaScript cannot hold exactly, or not JSON at all. */
const RAW_NUMBERS: readonly string[] = ['1e309', '-1e999', '123456789012345678901234567890', '-0', '0.0000000000000000000001', '0x10', 'NaN', 'Infinity', '01', '+1', '.5'];

const DATES: readonly string[] = [
  '2030-01-01',
  '2028-02-29',
  '2030-02-29',
  '2030-02-30',
  '2030-13-01',
  '2030-00-10',
  '0999-12-31',
  '1000-01-01',
  '9999-12-31',
  '10000-01-01',
  '2030-1-1',
  ' 2030-01-01',
  '2030-01-01T00:00:00Z',
  '2030/01/01',
  '٢٠٣٠-٠١-٠١',
  '',
];

const CONTENT_TYPES: readonly string[] = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'image/png',
  'image/jpeg',
  'image/svg+xml',
  'image/x-icon',
  'application/octet-stream',
  '',
  ';',
  'application/json;;;;',
  'application/json; charset="',
  '*/*',
  'image/*',
  'x'.repeat(2000),
  'application/json, image/png',
];

const IMAGE_CONTENT_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff', 'IMAGE/JPEG', 'image/jpeg; q=1'];

/** Path endings that try to leave the route, smuggle bytes, or be read as a different id. */
const PATH_TRICKS: readonly string[] = [
  '/',
  '//',
  '/..',
  '/../login',
  '/../../etc/passwd',
  '/%2e%2e/signup',
  '/%2e%2e%2f%2e%2e%2fpackage.json',
  '/..%2f..%2fpackage.json',
  '/%252e%252e',
  '/%00',
  '/1%00',
  '/%2e',
  '/./1',
  '/;',
  '/1;x=y',
  '/1/2',
  '/1/',
  '/%E2%80%AE',
  '/%F0%9F%98%80',
  '/%C0%AE%C0%AE',
  '/%',
  '/%ZZ',
  '/%E0%A4%A',
  '/%ff',
  '/-1',
  '/0',
  '/00001',
  '/1.5',
  '/1e3',
  '/0x1f',
  '/+1',
  '/%201',
  '/99999999999999999999999',
  '/9007199254740993',
  '/18446744073709551615',
  '/%D9%A1%D9%A2',
  '/%09',
  '/\\..\\..\\',
  '/*',
  `/${'a'.repeat(5000)}`,
];

/** Function names that are not quite a function, or try to reach one sideways. */
const NAME_TRICKS: readonly string[] = [
  'LOGIN',
  'login%2f..',
  '%6c%6f%67%69%6e',
  '..',
  '.',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'login%00',
  'nope',
  'x'.repeat(3000),
  '%2e%2e',
];

function text(r: SeededRandom, max: number): string {
  const n = r.int(0, max);
  return r.chance(0.5) ? r.string(n, ASCII_ALPHABET) : r.string(n, UNICODE_ALPHABET);
}

function validUsername(r: SeededRandom): string {
  return `fz${r.string(r.int(1, 20), 'abcdefghijklmnopqrstuvwxyz0123456789._-')}`;
}

/** Any JSON value, nested at most `depth` deep, with keys the API knows among random ones. */
function jsonValue(r: SeededRandom, depth: number): unknown {
  switch (r.int(0, depth > 0 ? 7 : 4)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick(HOSTILE_NUMBERS);
    case 3:
      return r.pick(HOSTILE_STRINGS);
    case 4:
      return text(r, 40);
    case 5:
      return Array.from({ length: r.int(0, 5) }, () => jsonValue(r, depth - 1));
    default: {
      const keys = ['title', 'body', 'dueDate', 'username', 'password', 'id', 'owner', '__proto__', 'constructor', text(r, 10)];
      return Object.fromEntries(Array.from({ length: r.int(0, 5) }, () => [r.pick(keys), jsonValue(r, depth - 1)]));
    }
  }
}

/** A field value that is wrong in some way (or, now and then, right). */
function hostileValue(r: SeededRandom, good: () => unknown): unknown {
  switch (r.int(0, 7)) {
    case 0:
      return r.pick(HOSTILE_STRINGS);
    case 1:
      return r.pick(HOSTILE_NUMBERS);
    case 2:
      return null;
    case 3:
      return [good()];
    case 4:
      return { value: good() };
    case 5:
      return 'x'.repeat(r.pick([7, 65, 257, 70_000]));
    case 6:
      return undefined;
    default:
      return good();
  }
}

/** A valid object for the route, or one with a field broken, dropped or added. */
function mutatedObject(r: SeededRandom, fields: Record<string, () => unknown>): Record<string, unknown> {
  const obj: Record<string, unknown> = Object.fromEntries(Object.entries(fields).map(([k, make]) => [k, make()]));
  if (r.chance(0.45)) return obj;
  const key = r.pick(Object.keys(fields));
  obj[key] = hostileValue(r, fields[key]!);
  if (r.chance(0.2)) obj[r.pick(['__proto__', 'constructor', 'owner', 'id', 'isAdmin', text(r, 8)])] = jsonValue(r, 2);
  return obj;
}

/** Valid JSON text of `value`, or that text broken in one of many ways. */
function jsonBody(r: SeededRandom, value: unknown): Buffer {
  const valid = JSON.stringify(value) ?? 'null';
  if (r.chance(0.7)) return Buffer.from(valid);
  switch (r.int(0, 17)) {
    case 0:
      return Buffer.from(valid.slice(0, r.int(0, valid.length)));
    case 1:
      return Buffer.from(`${valid.slice(0, -1)},}`);
    case 2:
      return Buffer.from(valid.replace(/"/g, "'"));
    case 3:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]);
    case 4:
      return Buffer.from(valid, 'utf16le');
    case 5:
      return r.bytes(r.int(1, 2000));
    case 6:
      return Buffer.from(`{"title":"a","title":${JSON.stringify(text(r, 10))},"dueDate":"2030-01-01","dueDate":"x"}`);
    case 7:
      return Buffer.from(`/* comment */ ${valid}`);
    case 8:
      return Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`);
    case 9:
      return Buffer.from(`${'{"title":'.repeat(3000)}1${'}'.repeat(3000)}`);
    case 10:
      return Buffer.from(`${valid}${valid}`);
    case 11:
      return Buffer.from(r.pick([' ', '\n\t', '', 'null', '[]', '"str"', '123', 'true', '{}']));
    case 12:
      return Buffer.from(`{"title":${r.pick(RAW_NUMBERS)},"body":${r.pick(RAW_NUMBERS)},"dueDate":${r.pick(RAW_NUMBERS)},"username":${r.pick(RAW_NUMBERS)},"password":${r.pick(RAW_NUMBERS)}}`);
    case 13:
      // Over the 256 KB JSON limit, under the template's 1 MB.
      return Buffer.from(JSON.stringify({ title: 'big', body: 'x'.repeat(300_000), dueDate: '2030-01-01' }));
    case 14:
      // Over the template's body limit: refused before the function.
      return Buffer.alloc(r.pick([1_100_000, 2_000_000]), 0x20);
    case 15:
      return Buffer.from(valid.replace(/[a-z]/, '\u0000'));
    case 16:
      return Buffer.from(`{"__proto__":{"owner":"1","isAdmin":true},"constructor":{"prototype":{"x":1}},${valid.slice(1)}`);
    default:
      return Buffer.from(`{"title":"${'\\ud800'.repeat(10)}","body":"\\u0000","dueDate":"2030-01-01","username":"\\u0061bc","password":"${'\\uDFFF'.repeat(8)}"}`);
  }
}

function credentials(r: SeededRandom): Buffer {
  return jsonBody(r, mutatedObject(r, { username: () => validUsername(r), password: () => `${text(r, 30)}${r.string(8, ASCII_ALPHABET)}` }));
}

function newTask(r: SeededRandom): Buffer {
  return jsonBody(
    r,
    mutatedObject(r, {
      title: () => text(r, 60) || 't',
      body: () => (r.chance(0.1) ? 'b'.repeat(r.pick([65_536, 65_537])) : text(r, 200)),
      dueDate: () => r.pick(DATES),
    }),
  );
}

function cursor(r: SeededRandom, t: FuzzTargets): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url');
  switch (r.int(0, 9)) {
    case 0:
    case 1:
      return t.cursors.length > 0 ? r.pick(t.cursors) : '';
    case 2:
      return b64([r.pick(['9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00.000Z', '2030-02-30T00:00:00.000Z', '2024-01-01T00:00:00.000Z']), r.pick([...t.otherTaskIds, '1', '99999999999999999999', '18446744073709551615'])]);
    case 3:
      return b64(jsonValue(r, 3));
    case 4:
      return b64([`2024-01-01T00:00:00.000Z' OR '1'='1`, '1 OR 1=1']);
    case 5:
      return r.string(r.int(1, 220), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
    case 6:
      return r.pick(['', '====', '%00', '..%2F..%2F', '%E2%80%AE', '%ZZ', 'x'.repeat(5000), 'null', '%5B%5D']);
    case 7:
      return encodeURIComponent(JSON.stringify(['2024-01-01T00:00:00.000Z', '1']));
    case 8:
      return b64(['2024-01-01T00:00:00.000Z', r.pick(t.otherTaskIds.length > 0 ? t.otherTaskIds : ['1'])]);
    default:
      return encodeURIComponent(text(r, 30));
  }
}

function listQuery(r: SeededRandom, t: FuzzTargets): string {
  const limit = () =>
    r.pick(['', '0', '1', '20', '100', '101', '-1', '-0', '1.5', '1e2', '999', '1000', '99999999999999999999', 'NaN', 'Infinity', '0x10', '%205', '5%20', '%00', '%EF%BC%91%EF%BC%92', 'a']);
  const parts: string[] = [];
  if (r.chance(0.6)) parts.push(`limit=${limit()}`);
  if (r.chance(0.6)) parts.push(`cursor=${cursor(r, t)}`);
  if (r.chance(0.15)) {
    parts.push(
      r.pick([
        `limit=${limit()}&limit=${limit()}`,
        'limit[]=1',
        'limit[a]=1',
        'cursor[]=a&cursor[]=b',
        'cursor[a][b][c][d][e][f][g]=1',
        '__proto__[limit]=1',
        'constructor[prototype][x]=1',
        Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join('&'),
        '&&&==&=',
        'limit',
        'cursor',
      ]),
    );
  }
  return parts.length > 0 ? `?${parts.join('&')}` : r.chance(0.1) ? '?' : '';
}

function taskIdPath(r: SeededRandom, t: FuzzTargets): string {
  const roll = r.next();
  if (roll < 0.3 && t.ownTaskIds.length > 0) return `/${r.pick(t.ownTaskIds)}`;
  if (roll < 0.55 && t.otherTaskIds.length > 0) return `/${r.pick(t.otherTaskIds)}`;
  if (roll < 0.65) return `/${r.int(1, 1_000_000)}`;
  if (roll < 0.7) return '';
  return r.pick(PATH_TRICKS);
}

function authorization(r: SeededRandom, t: FuzzTargets): string | string[] | undefined {
  const roll = r.next();
  if (roll < 0.55) return `Bearer ${t.ownToken}`;
  if (roll < 0.75) return `Bearer ${r.pick(t.refusedTokens)}`;
  if (roll < 0.85) return undefined;
  return r.pick<string | string[]>([
    'Bearer',
    'Bearer ',
    `bearer ${t.ownToken}`,
    `Bearer  ${t.ownToken}`,
    `Bearer ${t.ownToken} ${t.ownToken}`,
    `Bearer ${t.ownToken}x`,
    `Bearer ${t.ownToken.slice(0, -3)}`,
    `Bearer ${t.ownToken.split('.').slice(0, 2).join('.')}.`,
    'Basic dXNlcjpwYXNzd29yZA==',
    'Bearer a.b.c',
    `Bearer ${'x'.repeat(4000)}`,
    `Bearer ${'a.'.repeat(100)}a`,
    'Bearer \u00e9\u00ff.\u00e9.\u00e9',
    [`Bearer ${r.pick(t.refusedTokens)}`, `Bearer ${t.ownToken}`],
    [`Bearer ${t.ownToken}`, `Bearer ${r.pick(t.refusedTokens)}`],
  ]);
}

/**
 * What the request line and headers take, roughly. HTTP servers cap it (Node at 16 KB) and answer
 * 431 themselves, before any code of ours runs: the generator stays under that cap.
 */
const HEADER_BUDGET = 14_000;
const headerBytes = (path: string, headers: Record<string, string | string[]>): number =>
  path.length + Object.entries(headers).reduce((n, [k, v]) => n + [v].flat().reduce((m, x) => m + k.length + x.length + 4, 0), 0);

/** Zero to four unusual headers, some of them twice, as long as they fit HEADER_BUDGET. */
function oddHeaders(r: SeededRandom, path: string, headers: Record<string, string | string[]>): void {
  const count = r.chance(0.6) ? 0 : r.int(1, 4);
  for (let i = 0; i < count; i++) {
    const [name, value] = r.pick<[string, string | string[]]>([
      ['x-call-id', r.string(r.int(0, 300), HEADER_ALPHABET)],
      ['x-call-id', ['one', 'two']],
      ['content-type', [r.pick(CONTENT_TYPES), r.pick(CONTENT_TYPES)]],
      ['accept', r.pick(['*/*;q=', 'text/html', 'application/json;q=0', r.string(200, HEADER_ALPHABET)])],
      ['accept-encoding', 'gzip, br, zstd'],
      ['content-encoding', r.pick(['gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'])],
      ['expect', '100-continue'],
      ['x-forwarded-for', r.pick(['127.0.0.1', '::1, 10.0.0.1', r.string(50, HEADER_ALPHABET)])],
      ['x-forwarded-host', 'evil.example'],
      ['cookie', `session=${'c'.repeat(r.int(1, 4000))}`],
      ['origin', r.pick(['null', 'http://evil.example'])],
      ['range', 'bytes=0-10'],
      ['if-none-match', '*'],
      ['user-agent', r.string(r.int(0, 2000), HEADER_ALPHABET)],
      ['x-http-method-override', 'DELETE'],
      ['x-original-url', '/function/delete-task/1'],
      ['host', r.pick(['evil.example', '', 'a'.repeat(1000), '[::1]:99999', 'gateway:8080'])],
      [`x-${r.string(r.int(1, 30), 'abcdefghijklmnopqrstuvwxyz-_.!#$%&*+^`|~0123456789')}`, r.string(r.int(0, 500), HEADER_ALPHABET)],
    ]);
    if (headerBytes(path, { ...headers, [name]: value }) <= HEADER_BUDGET) headers[name] = value;
  }
}

/** An upload body: a real photo now and then, otherwise something that only looks like one. */
function imageBody(r: SeededRandom, t: FuzzTargets): Buffer {
  const roll = r.next();
  if (roll < 0.04) return t.photo;
  if (roll < 0.008 + 0.04) return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(10 * 1024 * 1024 + 1)]);
  const magic = r.pick([
    Buffer.from([0xff, 0xd8, 0xff]),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from('GIF89a\xff\xff\xff\xff', 'latin1'),
    Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'),
    Buffer.from('II*\x00', 'latin1'),
    Buffer.from('\x00\x00\x00\x1cftypavif', 'latin1'),
    Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    Buffer.alloc(0),
  ]);
  switch (r.int(0, 3)) {
    case 0:
      return Buffer.concat([magic, r.bytes(r.int(0, 3000))]);
    case 1:
      return t.photo.subarray(0, r.int(0, t.photo.length - 1));
    case 2:
      return r.bytes(r.int(0, 500));
    default:
      return magic;
  }
}

const withAuth = (r: SeededRandom, t: FuzzTargets, headers: Record<string, string | string[]>): Record<string, string | string[]> => {
  const auth = authorization(r, t);
  if (auth !== undefined) headers.authorization = auth;
  return headers;
};

const jsonRoute =
  (fn: string, body: (r: SeededRandom) => Buffer, auth: boolean): Generator =>
  (r, t) => {
    const headers: Record<string, string | string[]> = {};
    if (r.chance(0.85)) headers['content-type'] = r.chance(0.7) ? 'application/json' : r.pick(CONTENT_TYPES);
    return { target: fn, method: 'POST', path: `/function/${fn}${r.chance(0.1) ? r.pick(PATH_TRICKS) : ''}`, headers: auth ? withAuth(r, t, headers) : headers, body: body(r) };
  };

const ROUTES: readonly [weight: number, make: Generator][] = [
  [12, jsonRoute('signup', credentials, false)],
  [12, jsonRoute('login', credentials, false)],
  [18, jsonRoute('create-task', newTask, true)],
  [
    18,
    (r, t) => ({
      target: 'list-tasks',
      method: 'GET',
      path: `/function/list-tasks${r.chance(0.1) ? r.pick(PATH_TRICKS) : ''}${listQuery(r, t)}`,
      headers: withAuth(r, t, {}),
    }),
  ],
  [12, (r, t) => ({ target: 'delete-task', method: 'DELETE', path: `/function/delete-task${taskIdPath(r, t)}`, headers: withAuth(r, t, {}) })],
  [
    12,
    (r, t) => ({
      target: 'predict-image',
      method: 'PUT',
      path: `/function/predict-image${taskIdPath(r, t)}`,
      headers: withAuth(r, t, { 'content-type': r.chance(0.85) ? r.pick(IMAGE_CONTENT_TYPES) : r.pick(CONTENT_TYPES) }),
      body: imageBody(r, t),
    }),
  ],
  [10, (r, t) => ({ target: 'predict-image', method: 'GET', path: `/function/predict-image${taskIdPath(r, t)}`, headers: withAuth(r, t, {}) })],
  [
    6,
    (r, t) => ({
      target: 'gateway',
      method: r.pick(['GET', 'POST', 'DELETE']),
      path: r.chance(0.7)
        ? `/function/${r.pick(NAME_TRICKS)}${r.chance(0.5) ? r.pick(PATH_TRICKS) : ''}`
        : r.pick(['/function/', '/function', `/function/..${r.pick(PATH_TRICKS)}`, '/function//login', 'http://[', 'http://evil.example/function/login', '*', '/function/login?%', '/function/login#x']),
      headers: withAuth(r, t, { 'content-type': 'application/json' }),
      body: Buffer.from('{}'),
    }),
  ],
];

const TOTAL_WEIGHT = ROUTES.reduce((sum, [w]) => sum + w, 0);

/** The next request of the sequence `r` drives. */
export function fuzzRequest(r: SeededRandom, t: FuzzTargets): FuzzRequest {
  let roll = r.next() * TOTAL_WEIGHT;
  const make = ROUTES.find(([w]) => (roll -= w) < 0)?.[1] ?? ROUTES[0]![1];
  const req = make(r, t);
  if (r.chance(0.12)) req.method = r.pick(ALL_METHODS);
  oddHeaders(r, req.path, req.headers);
  // A path too long for the budget is cut short (which is one more odd path).
  const over = headerBytes(req.path, req.headers) - HEADER_BUDGET;
  if (over > 0) req.path = req.path.slice(0, Math.max(20, req.path.length - over));
  if (!req.body && r.chance(0.08)) req.body = jsonBody(r, jsonValue(r, 3));
  if (req.body && r.chance(0.15)) req.chunked = true;
  return req;
}
