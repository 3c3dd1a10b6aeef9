export { createApiClient, type ApiClientOptions } from './client.ts';
export { ApiError, describeError, isSessionOver } from './errors.ts';
export { ApiProvider, useApi } from './ApiProvider.tsx';

/** Where the API lives: same origin unless VITE_API_BASE was set at build time (the client trims a trailing slash). */
export const API_BASE: string = import.meta.env.VITE_API_BASE ?? '';
