export { createApiClient, type ApiClient, type ApiClientOptions, type UploadProgress } from './client.ts';
export { ApiError, ERROR_MESSAGES, describeError, errorFromResponse, formatWait, parseRetryAfter, type ApiErrorCode } from './errors.ts';
export { ApiProvider, useApi } from './ApiProvider.tsx';

/** Where the API lives: same origin unless VITE_API_BASE was set at build time. */
export const API_BASE: string = (import.meta.env.VITE_API_BASE ?? '').replace(/\/+$/, '');
