import { LIMITS } from '@todo/shared/contract';
import { useState } from 'react';
import { Alert } from '../../../components/Alert.tsx';
import { InputField } from '../../../components/Field.tsx';
import type { AuthForm as AuthFormState, AuthMode } from '../hooks/useAuthForm.ts';

interface Props {
  mode: AuthMode;
  form: AuthFormState;
}

export function AuthForm({ mode, form }: Props) {
  const [showPassword, setShowPassword] = useState(false);
  const signup = mode === 'signup';
  const { values, errors, formError, submitting, setValue, onSubmit, refs } = form;
  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label={signup ? 'Create account' : 'Sign in'}>
      {formError ? <Alert alertRef={refs.alert}>{formError}</Alert> : null}
      <InputField
        label="Username"
        name="username"
        inputRef={refs.username}
        value={values.username}
        onChange={(e) => setValue('username', e.target.value)}
        error={errors.username}
        hint={
          signup
            ? `${LIMITS.usernameMin} to ${LIMITS.usernameMax} characters: lower-case letters, digits, dots, underscores or hyphens.`
            : undefined
        }
        autoComplete="username"
        autoCapitalize="none"
        autoCorrect="off"
        spellCheck={false}
        required
      />
      <InputField
        label="Password"
        name="password"
        inputRef={refs.password}
        type={showPassword ? 'text' : 'password'}
        value={values.password}
        onChange={(e) => setValue('password', e.target.value)}
        error={errors.password}
        hint={signup ? `At least ${LIMITS.passwordMin} characters.` : undefined}
        autoComplete={signup ? 'new-password' : 'current-password'}
        required
      />
      <label className="checkbox">
        <input type="checkbox" checked={showPassword} onChange={(e) => setShowPassword(e.target.checked)} />
        <span>Show password</span>
      </label>
      <button className="button button--primary button--block" type="submit" disabled={submitting}>
        {submitting ? (signup ? 'Creating your account…' : 'Signing in…') : signup ? 'Create account' : 'Sign in'}
      </button>
    </form>
  );
}
