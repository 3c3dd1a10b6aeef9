import { useEffect, useRef, useState } from 'react';
import { isSessionOver, useApi } from '../../../api/index.ts';

export interface TaskImage {
  url: string | null;
  status: 'none' | 'loading' | 'ready' | 'error';
}

/**
 * The stored photo of a task as a blob: URL. The GET needs the Authorization header, so an
 * <img src> cannot fetch it by itself. The old photo stays on screen until the new one is in,
 * and every URL is revoked once it is no longer shown.
 */
export function useTaskImage(taskId: string, hasImage: boolean, version: number): TaskImage {
  const api = useApi();
  const [image, setImage] = useState<TaskImage>({ url: null, status: hasImage ? 'loading' : 'none' });
  const current = useRef<string | null>(null);

  const replace = (url: string | null) => {
    const old = current.current;
    current.current = url;
    if (old && old !== url) URL.revokeObjectURL(old);
  };

  useEffect(
    () => () => {
      if (current.current) URL.revokeObjectURL(current.current);
      current.current = null;
    },
    [],
  );

  useEffect(() => {
    if (!hasImage) {
      replace(null);
      setImage({ url: null, status: 'none' });
      return;
    }
    const controller = new AbortController();
    setImage((prev) => ({ url: prev.url, status: prev.url ? 'ready' : 'loading' }));
    api.getImage(taskId, controller.signal).then(
      (blob) => {
        if (controller.signal.aborted) return;
        const url = URL.createObjectURL(blob);
        setImage({ url, status: 'ready' });
        replace(url);
      },
      (error: unknown) => {
        if (controller.signal.aborted || isSessionOver(error)) return;
        setImage((prev) => ({ url: prev.url, status: prev.url ? 'ready' : 'error' }));
      },
    );
    return () => controller.abort();
  }, [api, taskId, hasImage, version]);

  return image;
}
