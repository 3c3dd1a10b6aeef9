import { credentialsSchema } from '@todo/shared/contract';
import { useCallback, useRef, useState, type FormEvent, type RefObject } from 'react';
import { ApiError, describeError, useApi } from '../../../api/index.ts';
import { errorsFromApi, errorsFromIssues, hasErrors, type FieldErrors } from '../../../lib/validation.ts';
import { useSession } from '../SessionProvider.tsx';

export type AuthMode = 'signin' | 'signup';
type Field = 'username' | 'password';

const AUTH_LABELS: Record<Field, string> = { username: 'Username', password: 'Password' };

export interface AuthForm {
  values: Record<Field, string>;
  errors: FieldErrors<Field>;
  formError: string | null;
  submitting: boolean;
  setValue(field: Field, value: string): void;
  onSubmit(event: FormEvent<HTMLFormElement>): void;
  refs: { username: RefObject<HTMLInputElement | null>; password: RefObject<HTMLInputElement | null>; alert: RefObject<HTMLDivElement | null> };
}

/** State and rules of the sign-in and sign-up forms; creating an account also signs in. */
export function useAuthForm(mode: AuthMode): AuthForm {
  const api = useApi();
  const { signIn } = useSession();
  const [values, setValues] = useState<Record<Field, string>>({ username: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors<Field>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const refs = {
    username: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    alert: useRef<HTMLDivElement>(null),
  };

  const focusFirstInvalid = (found: FieldErrors<Field>) => {
    const first = (['username', 'password'] as const).find((f) => found[f]);
    if (first) queueMicrotask(() => refs[first].current?.focus());
  };

  const setValue = useCallback((field: Field, value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    // A corrected field stops complaining as soon as it is touched.
    setErrors((e) => (e[field] ? { ...e, [field]: undefined } : e));
  }, []);

  const validate = (): FieldErrors<Field> => {
    if (mode === 'signup') {
      const result = credentialsSchema.safeParse(values);
      return result.success ? {} : errorsFromIssues(result.error.issues, AUTH_LABELS);
    }
    // Signing in only needs both fields; the rules are for choosing new ones.
    const found: FieldErrors<Field> = {};
    if (!values.username.trim()) found.username = 'Please enter your username.';
    if (!values.password) found.password = 'Please enter your password.';
    return found;
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (submitting) return;
    setFormError(null);
    const found = validate();
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(found);
      return;
    }
    const credentials = { username: mode === 'signin' ? values.username.trim() : values.username, password: values.password };
    setSubmitting(true);
    void (async () => {
      try {
        if (mode === 'signup') await api.signup(credentials);
        const session = await api.login(credentials);
        signIn(session);
      } catch (error) {
        setSubmitting(false);
        if (error instanceof ApiError && error.code === 'username_taken') {
          const next = { username: error.message };
          setErrors(next);
          focusFirstInvalid(next);
          return;
        }
        if (error instanceof ApiError && error.code === 'validation_failed' && error.fields.length > 0) {
          const next = errorsFromApi(error.fields, AUTH_LABELS);
          if (hasErrors(next)) {
            setErrors(next);
            focusFirstInvalid(next);
            return;
          }
        }
        setFormError(describeError(error, { attempts: 'sign-in attempts' }));
        queueMicrotask(() => refs.alert.current?.focus());
      }
    })();
  };

  return { values, errors, formError, submitting, setValue, onSubmit, refs };
}
