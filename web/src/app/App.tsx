import { useMemo, type ReactNode } from 'react';
import { API_BASE, ApiProvider, createApiClient, type ApiClientOptions } from '../api/index.ts';
import { AnnouncerProvider } from '../components/Announcer.tsx';
import { ErrorBoundary } from '../components/ErrorBoundary.tsx';
import { AuthScreen } from '../features/auth/components/AuthScreen.tsx';
import { SESSION_ENDED, SessionProvider, useSession } from '../features/auth/SessionProvider.tsx';
import { TasksScreen } from '../features/tasks/components/TasksScreen.tsx';

/** One API client for the app, wired to the session: it sends the token, and a 401 signs out. */
function ApiLayer({ children, options }: { children: ReactNode; options: ApiOptions | undefined }) {
  const { getToken, signOut } = useSession();
  // getToken reads a ref and signOut is stable, so the client is made once.
  const value = useMemo(
    () =>
      createApiClient({
        baseUrl: API_BASE,
        ...options,
        getToken,
        onUnauthorized: () => signOut(SESSION_ENDED),
      }),
    [options, getToken, signOut],
  );
  return <ApiProvider client={value}>{children}</ApiProvider>;
}

function Screens() {
  const { session } = useSession();
  // Keyed by user, so nothing of one person's screen survives into another's.
  return session ? <TasksScreen key={session.username} /> : <AuthScreen />;
}

type ApiOptions = Pick<ApiClientOptions, 'baseUrl'>;

/** The whole app. Tests may point it at another API (`api`) or storage. */
export function App({ api, storage }: { api?: ApiOptions; storage?: Storage }) {
  return (
    <ErrorBoundary>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <AnnouncerProvider>
        <SessionProvider {...(storage ? { storage } : {})}>
          <ApiLayer options={api}>
            <Screens />
          </ApiLayer>
        </SessionProvider>
      </AnnouncerProvider>
    </ErrorBoundary>
  );
}
