import type { Task } from '@todo/shared/contract';
import { useId } from 'react';
import { Spinner } from '../../../components/Spinner.tsx';
import { ACCEPT } from '../checkImage.ts';
import { useDropTarget } from '../hooks/useDropTarget.ts';
import { describeLabels, usePhotoUpload } from '../hooks/usePhotoUpload.ts';
import { useTaskImage } from '../hooks/useTaskImage.ts';
import { LabelChips } from './LabelChips.tsx';
import { UploadProgress } from './UploadProgress.tsx';

interface Props {
  task: Task;
  onTaskChange(task: Task): void;
}

/** A task's photo: choose or drop one, watch it upload and get recognised, see what it shows. */
export function TaskPhoto({ task, onTaskChange }: Props) {
  const photo = usePhotoUpload(task, onTaskChange);
  const image = useTaskImage(task.id, task.hasImage, photo.imageVersion);
  const drop = useDropTarget(photo.upload, photo.busy);
  const inputId = useId();
  const failed = !photo.busy && !photo.error && task.hasImage && task.labelStatus === 'failed';

  return (
    <div className={`photo${drop.isOver ? ' photo--over' : ''}${task.hasImage ? '' : ' photo--empty'}`} {...drop.handlers}>
      {task.hasImage ? (
        <div className="photo__thumb">
          {image.url ? (
            <img src={image.url} alt={task.labels.length ? `Photo: ${describeLabels(task)}` : 'Photo for this task'} />
          ) : image.status === 'error' ? (
            <span className="photo__placeholder">Photo unavailable</span>
          ) : (
            <span className="photo__placeholder">
              <Spinner />
              <span className="visually-hidden">Loading photo…</span>
            </span>
          )}
        </div>
      ) : null}

      <div className="photo__side">
        {task.labelStatus === 'ready' && !photo.busy ? <LabelChips labels={task.labels} /> : null}

        <UploadProgress phase={photo.phase} sent={photo.sent} total={photo.total} onCancel={photo.cancel} />

        {photo.error ? (
          <p className="photo__error" role="alert">
            {photo.error}
          </p>
        ) : null}
        {failed ? <p className="photo__error">We saved your photo, but could not recognise what is in it.</p> : null}

        {!photo.busy ? (
          <div className="photo__actions">
            <input
              id={inputId}
              className="file-input visually-hidden"
              type="file"
              accept={ACCEPT}
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = '';
                if (file) photo.upload(file);
              }}
            />
            <label htmlFor={inputId} className="button button--small">
              {task.hasImage ? 'Replace photo' : 'Add a photo'}
              <span className="visually-hidden"> for “{task.title}”</span>
            </label>
            {failed || (photo.error && task.hasImage && task.labelStatus === 'failed') ? (
              <button type="button" className="button button--small" onClick={photo.retry}>
                Try recognising again
              </button>
            ) : null}
            {!task.hasImage ? <span className="photo__hint photo__hint--drop">or drop one here</span> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
