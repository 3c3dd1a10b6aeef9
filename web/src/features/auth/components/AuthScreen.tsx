import { useEffect, useRef, useState } from 'react';
import { Alert } from '../../../components/Alert.tsx';
import { useAuthForm, type AuthMode } from '../hooks/useAuthForm.ts';
import { useSession } from '../SessionProvider.tsx';
import { AuthForm } from './AuthForm.tsx';

function AuthPanel({ mode }: { mode: AuthMode }) {
  const form = useAuthForm(mode);
  return <AuthForm mode={mode} form={form} />;
}

/** The signed-out screen: sign in, or create an account (which signs in too). */
export function AuthScreen() {
  const { notice } = useSession();
  const [mode, setMode] = useState<AuthMode>('signin');
  const heading = useRef<HTMLHeadingElement>(null);
  const switched = useRef(false);

  useEffect(() => {
    document.title = mode === 'signin' ? 'Sign in · Tasks' : 'Create account · Tasks';
    // Focus follows the person's own switch, and a forced sign-out, but not the first visit.
    if (switched.current || notice) heading.current?.focus();
  }, [mode, notice]);

  const switchTo = (next: AuthMode) => {
    switched.current = true;
    setMode(next);
  };

  return (
    <main className="auth" id="main">
      <div className="auth__card">
        <p className="brand brand--large" aria-hidden="true">
          <span className="brand__mark">✓</span> Tasks
        </p>
        <h1 className="auth__title" ref={heading} tabIndex={-1}>
          {mode === 'signin' ? 'Sign in' : 'Create your account'}
        </h1>
        <p className="muted">
          {mode === 'signin'
            ? 'Keep your to-dos in one place, with photos that recognise what is in them.'
            : 'It takes a few seconds. You will be signed in straight away.'}
        </p>
        {notice ? (
          <Alert tone="info">
            {notice}
          </Alert>
        ) : null}
        {/* A fresh form per mode, so values and errors never leak between the two. */}
        <AuthPanel key={mode} mode={mode} />
        <p className="auth__switch">
          {mode === 'signin' ? 'New here?' : 'Already have an account?'}{' '}
          <button type="button" className="link-button" onClick={() => switchTo(mode === 'signin' ? 'signup' : 'signin')}>
            {mode === 'signin' ? 'Create an account' : 'Sign in instead'}
          </button>
        </p>
      </div>
    </main>
  );
}
