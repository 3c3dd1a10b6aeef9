import {
  functionPath,
  sessionSchema,
  signupResultSchema,
  taskListSchema,
  taskSchema,
  type Credentials,
  type NewTask,
  type Session,
  type SignupResult,
  type Task,
  type TaskList,
} from '@todo/shared/contract';
import { ApiError, errorFromResponse } from './errors.ts';
import { sendWithProgress } from './upload.ts';

export interface ApiClientOptions {
  /** Prepended to every route; '' for the same origin. */
  baseUrl?: string;
  /** The current session's token, or null when signed out. */
  getToken?: () => string | null;
  /** Called when an authenticated call answers 401: the session is over. */
  onUnauthorized?: (error: ApiError) => void;
}

export interface UploadProgress {
  onProgress?: (sent: number, total: number) => void;
  onSent?: () => void;
  signal?: AbortSignal;
}

export interface ApiClient {
  signup(credentials: Credentials): Promise<SignupResult>;
  login(credentials: Credentials): Promise<Session>;
  listTasks(params?: { limit?: number; cursor?: string | null }, signal?: AbortSignal): Promise<TaskList>;
  createTask(task: NewTask): Promise<Task>;
  deleteTask(id: string): Promise<void>;
  /** The stored photo of a task, as a Blob (show it with URL.createObjectURL). */
  getImage(taskId: string, signal?: AbortSignal): Promise<Blob>;
  /** Uploads a photo and waits for recognition; a failed recognition throws with `error.task`. */
  uploadImage(taskId: string, image: Blob, progress?: UploadProgress): Promise<Task>;
}

/** The part of a zod schema the client needs (kept structural so the app needs no zod import). */
interface Schema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { message: string } };
}

interface RequestOptions<T> {
  method?: string;
  json?: unknown;
  schema?: Schema<T>;
  auth?: boolean;
  signal?: AbortSignal | undefined;
}

const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';

/** The one place the app talks to the API: every route, the token, and the error shape. */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const getToken = options.getToken ?? (() => null);

  const authHeaders = (auth: boolean): Record<string, string> => {
    if (!auth) return {};
    const token = getToken();
    return token ? { Authorization: `Bearer ${token}` } : {};
  };

  const fail = (error: ApiError, auth: boolean): never => {
    if (auth && error.status === 401) options.onUnauthorized?.(error);
    throw error;
  };

  async function send(path: string, init: RequestInit, auth: boolean): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, init);
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError({ status: 0, code: 'network_error', detail: String(error) });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      fail(errorFromResponse(response.status, text, response.headers.get('Retry-After')), auth);
    }
    return response;
  }

  async function request<T>(path: string, opts: RequestOptions<T>): Promise<T> {
    const auth = opts.auth ?? true;
    const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders(auth) };
    const init: RequestInit = { method: opts.method ?? 'GET', headers };
    if (opts.signal) init.signal = opts.signal;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.json);
    }
    const response = await send(path, init, auth);
    if (!opts.schema) return undefined as T;
    const text = await response.text();
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError({ status: response.status, code: 'bad_response', detail: text.slice(0, 200) });
    }
    const parsed = opts.schema.safeParse(data);
    if (!parsed.success) {
      throw new ApiError({ status: response.status, code: 'bad_response', detail: parsed.error.message });
    }
    return parsed.data;
  }

  return {
    signup: (credentials) =>
      request(functionPath('signup'), { method: 'POST', json: credentials, schema: signupResultSchema, auth: false }),

    login: (credentials) =>
      request(functionPath('login'), { method: 'POST', json: credentials, schema: sessionSchema, auth: false }),

    listTasks: (params = {}, signal) => {
      const query = new URLSearchParams();
      if (params.limit !== undefined) query.set('limit', String(params.limit));
      if (params.cursor) query.set('cursor', params.cursor);
      const qs = query.toString();
      return request(`${functionPath('list-tasks')}${qs ? `?${qs}` : ''}`, { schema: taskListSchema, signal });
    },

    createTask: (task) => request(functionPath('create-task'), { method: 'POST', json: task, schema: taskSchema }),

    deleteTask: async (id) => {
      await request(functionPath('delete-task', encodeURIComponent(id)), { method: 'DELETE' });
    },

    getImage: async (taskId, signal) => {
      const init: RequestInit = { headers: authHeaders(true) };
      if (signal) init.signal = signal;
      const response = await send(functionPath('predict-image', encodeURIComponent(taskId)), init, true);
      return response.blob();
    },

    uploadImage: async (taskId, image, progress = {}) => {
      let reply;
      try {
        reply = await sendWithProgress({
          url: `${baseUrl}${functionPath('predict-image', encodeURIComponent(taskId))}`,
          body: image,
          contentType: image.type || 'application/octet-stream',
          headers: { Accept: 'application/json', ...authHeaders(true) },
          ...progress,
        });
      } catch (error) {
        if (isAbort(error)) throw error;
        throw new ApiError({ status: 0, code: 'network_error', detail: String(error) });
      }
      if (reply.status < 200 || reply.status >= 300) {
        return fail(errorFromResponse(reply.status, reply.body, reply.retryAfter), true);
      }
      let data: unknown;
      try {
        data = JSON.parse(reply.body);
      } catch {
        throw new ApiError({ status: reply.status, code: 'bad_response', detail: reply.body.slice(0, 200) });
      }
      const parsed = taskSchema.safeParse(data);
      if (!parsed.success) throw new ApiError({ status: reply.status, code: 'bad_response', detail: parsed.error.message });
      return parsed.data;
    },
  };
}
