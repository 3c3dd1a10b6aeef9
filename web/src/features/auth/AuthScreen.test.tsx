import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { json } from '../../test/server.ts';
import { gate } from '../../test/fakeBackend.ts';
import { setupApp } from '../../test/setupApp.tsx';
import { SESSION_STORAGE_KEY } from './sessionStore.ts';

const { backend, renderApp } = setupApp();

async function openSignUp(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: 'Create an account' }));
  await screen.findByRole('heading', { name: 'Create your account' });
}

describe('sign up', () => {
  it('shows the API rules beside each field and moves focus to the first problem', async () => {
    const user = userEvent.setup();
    await renderApp();
    await openSignUp(user);
    await user.type(screen.getByLabelText('Username'), 'Al');
    await user.type(screen.getByLabelText('Password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    const username = screen.getByLabelText('Username');
    expect(username.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Username must be at least 3 characters.')).toBeTruthy();
    expect(screen.getByText('Password must be at least 8 characters.')).toBeTruthy();
    // The message is tied to its field for screen readers.
    const described = username.getAttribute('aria-describedby') ?? '';
    expect(described.split(' ').map((id) => document.getElementById(id)?.textContent).join(' ')).toContain('at least 3 characters');
    expect(document.activeElement).toBe(username);
    expect(backend.requests).toHaveLength(0);

    await user.clear(username);
    await user.type(username, 'Alice');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByText(/Username may contain only lower-case letters/)).toBeTruthy();
  });

  it('creates the account, signs in, and keeps the session across a reload', async () => {
    const user = userEvent.setup();
    const { unmount } = await renderApp();
    await openSignUp(user);
    await user.type(screen.getByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByRole('heading', { name: 'Your tasks' })).toBeTruthy();
    expect(await screen.findByText('No tasks yet')).toBeTruthy();
    expect(backend.requests.map((r) => r.url)).toEqual(['/function/signup', '/function/login', '/function/list-tasks?limit=20']);

    unmount();
    await renderApp();
    expect(await screen.findByRole('heading', { name: 'Your tasks' })).toBeTruthy();
    expect(screen.getByText('alice')).toBeTruthy();
  });

  it('says when a username is taken, beside the field', async () => {
    backend.users.set('bob', 'whatever-1');
    const user = userEvent.setup();
    await renderApp();
    await openSignUp(user);
    await user.type(screen.getByLabelText('Username'), 'bob');
    await user.type(screen.getByLabelText('Password'), 'another-pass');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('That username is already taken. Please choose another one.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Username'));
  });
});

describe('sign in', () => {
  it('disables the button while signing in', async () => {
    backend.users.set('carol', 'password-1');
    const hold = gate();
    backend.setOverride(async (req) => {
      if (req.url === '/function/login') await hold.promise;
      return false;
    });
    const user = userEvent.setup();
    await renderApp();
    await user.type(screen.getByLabelText('Username'), 'carol');
    await user.type(screen.getByLabelText('Password'), 'password-1');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const busy = await screen.findByRole('button', { name: 'Signing in…' });
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    hold.open();
    expect(await screen.findByRole('heading', { name: 'Your tasks' })).toBeTruthy();
  });

  it('explains wrong credentials in words', async () => {
    const user = userEvent.setup();
    await renderApp();
    await user.type(screen.getByLabelText('Username'), 'nobody');
    await user.type(screen.getByLabelText('Password'), 'password-1');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('That username and password do not match. Please check them and try again.');
  });

  it('asks for both fields before calling the API', async () => {
    const user = userEvent.setup();
    await renderApp();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Please enter your username.')).toBeTruthy();
    expect(screen.getByText('Please enter your password.')).toBeTruthy();
    expect(backend.requests).toHaveLength(0);
  });

  it('says how long to wait when throttled', async () => {
    backend.setOverride((req, res) => {
      if (req.url !== '/function/login') return false;
      json(res, 429, { error: { code: 'too_many_requests', message: 'x' } }, { 'Retry-After': '42' });
      return true;
    });
    const user = userEvent.setup();
    await renderApp();
    await user.type(screen.getByLabelText('Username'), 'dave');
    await user.type(screen.getByLabelText('Password'), 'password-1');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Too many sign-in attempts in a short time. Please wait 42 seconds and try again.',
    );
  });
});

describe('session', () => {
  it('does not restore an expired session', async () => {
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ token: 'token-x', expiresAt: '2000-01-01T00:00:00Z', username: 'x' }));
    await renderApp();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(localStorage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });

  it('returns to sign in with a reason when the API answers 401', async () => {
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify({ token: 'revoked', expiresAt: '2999-01-01T00:00:00Z', username: 'eve' }));
    await renderApp();
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByText('Your session has ended, so we signed you out. Please sign in again.')).toBeTruthy();
    await waitFor(() => expect(localStorage.getItem(SESSION_STORAGE_KEY)).toBeNull());
  });

  it('signs out by itself when the token expires while the page is open', async () => {
    const session = { ...backend.sessionFor('gina'), expiresAt: new Date(Date.now() + 400).toISOString() };
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
    await renderApp();
    expect(await screen.findByRole('heading', { name: 'Your tasks' })).toBeTruthy();
    expect(await screen.findByText('Your session has expired. Please sign in again.', {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
  });

  it('signs out', async () => {
    localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(backend.sessionFor('frank')));
    const user = userEvent.setup();
    await renderApp();
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByText('You have signed out.')).toBeTruthy();
    expect(localStorage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });
});
