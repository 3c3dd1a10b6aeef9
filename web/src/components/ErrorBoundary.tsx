import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** A small inline message (inside a task) instead of a whole screen. */
  compact?: boolean;
}

interface State {
  failed: boolean;
}

/** Whatever breaks while rendering, people see a sentence and a way out, never a blank page. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Unexpected error while showing the page', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    if (this.props.compact) {
      return (
        <p className="photo__error" role="alert">
          This part could not be shown.{' '}
          <button type="button" className="link-button" onClick={() => this.setState({ failed: false })}>
            Try again
          </button>
        </p>
      );
    }
    return (
      <main className="auth" id="main">
        <div className="auth__card" role="alert">
          <h1 className="auth__title">Something went wrong</h1>
          <p>The page ran into a problem it could not recover from. Your tasks are safe.</p>
          <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </div>
      </main>
    );
  }
}
