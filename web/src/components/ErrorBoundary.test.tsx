import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from './ErrorBoundary.tsx';

function Broken(): never {
  throw new Error('kaput');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ErrorBoundary', () => {
  it('shows a sentence and a way out instead of a blank page', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    render(
      <ErrorBoundary>
        <Broken />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('heading', { name: 'Something went wrong' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeTruthy();
    expect(document.body.textContent).not.toContain('kaput');
  });

  it('keeps a small failure small', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    render(
      <div>
        <p>Everything else</p>
        <ErrorBoundary compact>
          <Broken />
        </ErrorBoundary>
      </div>,
    );
    expect(screen.getByText('Everything else')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('This part could not be shown.');
  });
});
