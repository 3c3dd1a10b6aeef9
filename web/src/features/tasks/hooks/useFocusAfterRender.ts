import { useCallback, useEffect, useRef, useState } from 'react';

/** Moves focus to an element by id once the next render is on screen (after a removal, say). */
export function useFocusAfterRender(): (id: string) => void {
  const pending = useRef<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = pending.current;
    if (!id) return;
    pending.current = null;
    document.getElementById(id)?.focus();
  }, [tick]);
  return useCallback((id: string) => {
    pending.current = id;
    setTick((t) => t + 1);
  }, []);
}
