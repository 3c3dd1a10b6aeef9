import type { Task } from '@todo/shared/contract';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, describeError, isSessionOver, useApi } from '../../../api/index.ts';
import { useAnnounce } from '../../../components/Announcer.tsx';
import { checkImage } from '../checkImage.ts';
import { SHOWN_MIN_SCORE } from './useLabelList.ts';

export type UploadPhase = 'idle' | 'uploading' | 'recognising';

export interface PhotoUpload {
  phase: UploadPhase;
  sent: number;
  total: number;
  error: string | null;
  /** Bumped whenever the stored photo changes, so the thumbnail is fetched again. */
  imageVersion: number;
  busy: boolean;
  /** Checks then uploads a photo chosen or dropped by the person. */
  upload(file: File): void;
  /** Recognises the stored photo again (after recognition failed). */
  retry(): void;
  cancel(): void;
}

/** The likely labels in words, for alt text and announcements: "zebra, hartebeest". */
export function describeLabels(task: Task): string {
  const names = task.labels
    .filter((l, i) => i === 0 || l.score >= SHOWN_MIN_SCORE)
    .slice(0, 3)
    .map((l) => l.name);
  return names.length ? names.join(', ') : 'nothing we could name';
}

/** Upload → "recognising" → labels, for one task's photo. */
export function usePhotoUpload(task: Task, onTaskChange: (task: Task) => void): PhotoUpload {
  const api = useApi();
  const announce = useAnnounce();
  const [phase, setPhase] = useState<UploadPhase>('idle');
  const [progress, setProgress] = useState({ sent: 0, total: 0 });
  const [error, setError] = useState<string | null>(null);
  const [imageVersion, setImageVersion] = useState(0);
  const controller = useRef<AbortController | null>(null);
  const lastFile = useRef<Blob | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const send = useCallback(
    (image: Blob) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      lastFile.current = image;
      setError(null);
      setPhase('uploading');
      setProgress({ sent: 0, total: image.size });
      api
        .uploadImage(task.id, image, {
          signal: abort.signal,
          onProgress: (sent, total) => setProgress({ sent, total }),
          onSent: () => {
            setPhase('recognising');
            announce('Photo uploaded. Recognising what is in it…');
          },
        })
        .then(
          (updated) => {
            if (abort.signal.aborted) return;
            lastFile.current = null;
            setPhase('idle');
            setImageVersion((v) => v + 1);
            onTaskChange(updated);
            announce(`Photo saved for “${updated.title}”. It shows ${describeLabels(updated)}.`);
          },
          (err: unknown) => {
            if (abort.signal.aborted) return;
            setPhase('idle');
            if (isSessionOver(err)) return;
            // Only worth sending the same bytes again if the fault was not in them.
            const transient =
              err instanceof ApiError && (err.code === 'network_error' || err.code === 'recognition_unavailable' || err.status >= 500);
            if (!transient) lastFile.current = null;
            if (err instanceof ApiError && err.task) {
              // Recognition failed but the photo was stored: show it, and offer a retry.
              setImageVersion((v) => v + 1);
              onTaskChange(err.task);
            }
            const message = describeError(err);
            setError(message);
            announce(message);
          },
        );
    },
    [api, task.id, onTaskChange, announce],
  );

  const upload = useCallback(
    (file: File) => {
      const problem = checkImage(file);
      if (problem) {
        setError(problem);
        announce(problem);
        return;
      }
      send(file);
    },
    [send, announce],
  );

  const retry = useCallback(() => {
    if (lastFile.current) {
      send(lastFile.current);
      return;
    }
    // After a reload the file is gone: send the stored photo back to be recognised.
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setError(null);
    setPhase('uploading');
    setProgress({ sent: 0, total: 0 });
    api.getImage(task.id, abort.signal).then(
      (image) => {
        if (abort.signal.aborted) return;
        send(image);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setPhase('idle');
        if (isSessionOver(err)) return;
        setError(describeError(err));
      },
    );
  }, [api, task.id, send]);

  const cancel = useCallback(() => {
    controller.current?.abort();
    setPhase('idle');
    announce('Upload cancelled.');
  }, [announce]);

  return {
    phase,
    sent: progress.sent,
    total: progress.total,
    error,
    imageVersion,
    busy: phase !== 'idle',
    upload,
    retry,
    cancel,
  };
}
