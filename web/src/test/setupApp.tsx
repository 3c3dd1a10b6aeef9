import { render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { App } from '../app/App.tsx';
import { SESSION_STORAGE_KEY } from '../features/auth/sessionStore.ts';
import { createFakeBackend } from './fakeBackend.ts';

/**
 * Registers the hooks a test file of the whole app needs: one fake backend for the file, started
 * before and closed after, wiped between tests; with `signedInAs`, each test starts signed in.
 * `renderApp` renders the app against it and, when signed in, waits for the first page of tasks.
 */
export function setupApp({ signedInAs }: { signedInAs?: string } = {}) {
  const backend = createFakeBackend();
  beforeAll(() => backend.start());
  afterAll(() => backend.close());
  if (signedInAs) {
    beforeEach(() => {
      localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(backend.sessionFor(signedInAs)));
    });
  }
  afterEach(() => backend.reset());

  const renderApp = async () => {
    const view = render(<App api={{ baseUrl: backend.url }} />);
    if (signedInAs) await waitFor(() => expect(screen.queryByText('Loading your tasks…')).toBeNull());
    return view;
  };

  return { backend, renderApp };
}
