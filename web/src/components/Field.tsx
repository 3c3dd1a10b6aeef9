import { useId, type InputHTMLAttributes, type ReactNode, type Ref, type TextareaHTMLAttributes } from 'react';

/** What the frame hands to its control, so the label, hint and error are wired to it. */
interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

interface FrameProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
}

/** A label, an optional hint, the control, and its error beside it, all wired for screen readers. */
function FieldFrame({ label, hint, error, children }: FrameProps & { children: (control: ControlProps) => ReactNode }) {
  const inputId = useId();
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={inputId}>
        {label}
      </label>
      {hint ? (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {children({ id: inputId, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error ? (
        <p className="field__error" id={errorId}>
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The props of a framed control: its own attributes (the frame sets the id) plus the frame's. */
type FieldProps<Attrs, E> = Omit<Attrs, 'id'> & FrameProps & { inputRef?: Ref<E> };

export function InputField({ label, hint, error, inputRef, className, ...props }: FieldProps<InputHTMLAttributes<HTMLInputElement>, HTMLInputElement>) {
  return (
    <FieldFrame label={label} hint={hint} error={error}>
      {(control) => <input {...props} ref={inputRef} {...control} className={`input${className ? ` ${className}` : ''}`} />}
    </FieldFrame>
  );
}

export function TextAreaField({
  label,
  hint,
  error,
  inputRef,
  className,
  ...props
}: FieldProps<TextareaHTMLAttributes<HTMLTextAreaElement>, HTMLTextAreaElement>) {
  return (
    <FieldFrame label={label} hint={hint} error={error}>
      {(control) => <textarea {...props} ref={inputRef} {...control} className={`input input--area${className ? ` ${className}` : ''}`} />}
    </FieldFrame>
  );
}
