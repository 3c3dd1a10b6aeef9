/** The REST paths served, as TF Serving spells them, and the method each one takes. */
import { HttpError } from './http-error.ts';
import { SERVED_VERSION } from './tf-serving-bodies.ts';

export type Route =
  | { kind: 'status'; model: string; version: string | undefined }
  | { kind: 'metadata'; model: string; version: string | undefined }
  | { kind: 'predict'; model: string; version: string | undefined };

const MODEL = String.raw`/v1/models/([^/:]+)(?:/versions/(\d+))?`;
const PATHS: ReadonlyArray<{ kind: Route['kind']; pattern: RegExp; method: 'GET' | 'POST' }> = [
  { kind: 'status', pattern: new RegExp(`^${MODEL}$`), method: 'GET' },
  { kind: 'metadata', pattern: new RegExp(`^${MODEL}/metadata$`), method: 'GET' },
  { kind: 'predict', pattern: new RegExp(`^${MODEL}:predict$`), method: 'POST' },
];

/** The route for a request; 404 for a path that is not served, 405 for the wrong method. */
export function matchRoute(method: string, pathname: string): Route {
  for (const { kind, pattern, method: allowed } of PATHS) {
    const m = pattern.exec(pathname);
    if (m === null) continue;
    if (method !== allowed) {
      throw new HttpError(405, `Method ${method} is not allowed for ${pathname}; use ${allowed}`, { Allow: allowed });
    }
    const model = decodeName(m[1]!);
    if (model !== undefined) return { kind, model, version: m[2] };
  }
  throw new HttpError(404, `Malformed request: ${method} ${pathname}`);
}

function decodeName(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined; // a broken %-escape: no model has that name
  }
}

/** 404 in TF Serving's words unless the route names the served model and version. */
export function checkServable(route: Route, modelName: string): void {
  const known = route.model === modelName && (route.version === undefined || Number(route.version) === Number(SERVED_VERSION));
  if (!known) {
    const request = route.version === undefined ? `Latest(${route.model})` : `Specific(${route.model}, ${route.version})`;
    throw new HttpError(404, `Servable not found for request: ${request}`);
  }
}
