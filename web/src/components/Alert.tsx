import type { ReactNode, Ref } from 'react';

interface AlertProps {
  tone?: 'error' | 'info' | 'success';
  title?: string;
  children: ReactNode;
  action?: ReactNode;
  alertRef?: Ref<HTMLDivElement>;
}

/** A message box. Errors are announced at once (role="alert"); others politely. */
export function Alert({ tone = 'error', title, children, action, alertRef }: AlertProps) {
  return (
    <div ref={alertRef} className={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'} tabIndex={-1}>
      <div className="alert__text">
        {title ? <p className="alert__title">{title}</p> : null}
        <div>{children}</div>
      </div>
      {action ? <div className="alert__action">{action}</div> : null}
    </div>
  );
}
