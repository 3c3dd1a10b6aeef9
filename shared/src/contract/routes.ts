/** The OpenFaaS functions, one per endpoint, and the gateway routes the web app calls. */
export const FUNCTIONS = [
  'signup',
  'login',
  'create-task',
  'list-tasks',
  'delete-task',
  'predict-image',
] as const;

export type FunctionName = (typeof FUNCTIONS)[number];

export const functionPath = (name: FunctionName, rest = ''): string =>
  `/function/${name}${rest ? `/${rest}` : ''}`;
