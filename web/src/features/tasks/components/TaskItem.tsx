import type { Task } from '@todo/shared/contract';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { ErrorBoundary } from '../../../components/ErrorBoundary.tsx';
import { TaskPhoto } from '../../photos/components/TaskPhoto.tsx';
import { dueInWords, formatCreated } from '../dates.ts';
import { useConfirm } from '../hooks/useConfirm.ts';
import { DueDate } from './DueDate.tsx';

export const taskHeadingId = (id: string) => `task-${id}-title`;

interface Props {
  task: Task;
  today: string;
  now: Date;
  onDelete(task: Task): void;
  onTaskChange(task: Task): void;
}

export function TaskItem({ task, today, now, onDelete, onTaskChange }: Props) {
  const confirm = useConfirm();
  const due = dueInWords(task.dueDate, today);
  const overdue = due.tone === 'overdue';
  return (
    <li className={`task${overdue ? ' task--overdue' : ''}`} aria-labelledby={taskHeadingId(task.id)} data-task-id={task.id}>
      <div className="task__head">
        <h3 className="task__title" id={taskHeadingId(task.id)} tabIndex={-1}>
          {task.title}
        </h3>
        <button type="button" className="button button--small button--quiet button--danger-text" onClick={confirm.ask}>
          Delete<span className="visually-hidden"> “{task.title}”</span>
        </button>
      </div>
      {task.body ? <p className="task__body">{task.body}</p> : null}
      <p className="task__meta">
        <DueDate dueDate={task.dueDate} due={due} />
        <span className="task__created">
          Added{' '}
          <time dateTime={task.createdAt} title={new Date(task.createdAt).toLocaleString()}>
            {formatCreated(task.createdAt, now)}
          </time>
        </span>
      </p>
      <ErrorBoundary compact>
        <TaskPhoto task={task} onTaskChange={onTaskChange} />
      </ErrorBoundary>
      <ConfirmDialog
        open={confirm.open}
        title="Delete this task?"
        confirmLabel="Delete task"
        cancelLabel="Keep it"
        onCancel={confirm.close}
        onConfirm={() => {
          confirm.close();
          onDelete(task);
        }}
      >
        <p>
          “{task.title}”{task.hasImage ? ' and its photo' : ''} will be deleted for good.
        </p>
      </ConfirmDialog>
    </li>
  );
}
