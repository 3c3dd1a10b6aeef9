import { useCallback, useState } from 'react';

/** Open/closed state of a confirmation. */
export function useConfirm() {
  const [open, setOpen] = useState(false);
  return {
    open,
    ask: useCallback(() => setOpen(true), []),
    close: useCallback(() => setOpen(false), []),
  };
}
