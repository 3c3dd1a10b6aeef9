export * from './limits.ts';
export * from './errors.ts';
export * from './schemas.ts';
export * from './routes.ts';
