import type { Session } from '@todo/shared/contract';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { SESSION_STORAGE_KEY, clearSession, loadSession, msUntilExpiry, saveSession } from './sessionStore.ts';

export interface SessionState {
  session: Session | null;
  /** Why the person is looking at the sign-in screen, when it was not their choice. */
  notice: string | null;
  signIn(session: Session): void;
  signOut(notice?: string): void;
  /** The current token, read at call time (for the API client). */
  getToken(): string | null;
}

const SessionContext = createContext<SessionState | null>(null);

export const SESSION_EXPIRED = 'Your session has expired. Please sign in again.';
export const SESSION_ENDED = 'Your session has ended, so we signed you out. Please sign in again.';
export const SIGNED_OUT = 'You have signed out.';

// setTimeout keeps at most ~24.8 days; longer sessions are re-checked after that.
const MAX_TIMER = 2_147_000_000;

export function SessionProvider({ children, storage }: { children: ReactNode; storage?: Storage }) {
  const store = storage ?? globalThis.localStorage;
  const [session, setSession] = useState<Session | null>(() => loadSession(store));
  const [notice, setNotice] = useState<string | null>(null);
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const signIn = useCallback(
    (next: Session) => {
      saveSession(next, store);
      sessionRef.current = next;
      setSession(next);
      setNotice(null);
    },
    [store],
  );

  const signOut = useCallback(
    (why?: string) => {
      clearSession(store);
      sessionRef.current = null;
      setSession(null);
      setNotice(why ?? null);
    },
    [store],
  );

  // Sign out when the token expires, even if the page just sits open.
  useEffect(() => {
    if (!session) return;
    const left = msUntilExpiry(session);
    if (left === null || left <= 0) {
      signOut(SESSION_EXPIRED);
      return;
    }
    const timer = setTimeout(() => {
      const now = sessionRef.current;
      if (now && (msUntilExpiry(now) ?? 0) <= 0) signOut(SESSION_EXPIRED);
      else if (now) setSession({ ...now }); // re-arm for very long sessions
    }, Math.min(left, MAX_TIMER));
    return () => clearTimeout(timer);
  }, [session, signOut]);

  // Signing in or out in another tab does the same here.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key !== SESSION_STORAGE_KEY) return;
      const next = loadSession(store);
      if (!next && sessionRef.current) {
        sessionRef.current = null;
        setSession(null);
        setNotice(SIGNED_OUT);
      } else if (next && next.token !== sessionRef.current?.token) {
        sessionRef.current = next;
        setSession(next);
        setNotice(null);
      }
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [store]);

  const getToken = useCallback(() => sessionRef.current?.token ?? null, []);

  const value = useMemo<SessionState>(
    () => ({ session, notice, signIn, signOut, getToken }),
    [session, notice, signIn, signOut, getToken],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}
