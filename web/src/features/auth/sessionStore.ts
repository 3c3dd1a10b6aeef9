import { sessionSchema, type Session } from '@todo/shared/contract';

const KEY = 'todo.session';

/** Milliseconds until the session expires (≤ 0 when it has), or null if expiresAt is unreadable. */
export function msUntilExpiry(session: Session, now = Date.now()): number | null {
  const expires = Date.parse(session.expiresAt);
  return Number.isNaN(expires) ? null : expires - now;
}

const isExpired = (session: Session, now = Date.now()): boolean => {
  const left = msUntilExpiry(session, now);
  return left === null || left <= 0;
};

/** The saved session if there is one and it has not expired; a stale one is removed. */
export function loadSession(storage: Storage | undefined = globalThis.localStorage, now = Date.now()): Session | null {
  if (!storage) return null;
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return null;
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    if (parsed.success && !isExpired(parsed.data, now)) return parsed.data;
    storage.removeItem(KEY);
  } catch {
    // Unreadable or blocked storage: start signed out.
  }
  return null;
}

export function saveSession(session: Session, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(session));
  } catch {
    // Private mode or full storage: the session lasts until the tab closes.
  }
}

export function clearSession(storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.removeItem(KEY);
  } catch {
    // Nothing to do.
  }
}

/** Whether a stored session in another tab changed (signed in or out there). */
export const SESSION_STORAGE_KEY = KEY;
