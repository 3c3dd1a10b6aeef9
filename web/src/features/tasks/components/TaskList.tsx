import type { Task } from '@todo/shared/contract';
import type { RefObject } from 'react';
import { Alert } from '../../../components/Alert.tsx';
import { Spinner } from '../../../components/Spinner.tsx';
import type { TasksApi } from '../hooks/useTasks.ts';
import { TaskItem } from './TaskItem.tsx';

interface Props {
  tasks: TasksApi;
  today: string;
  now: Date;
  headingRef: RefObject<HTMLHeadingElement | null>;
  onDelete(task: Task): void;
  onLoadMore(): void;
}

export function TaskList({ tasks, today, now, headingRef, onDelete, onLoadMore }: Props) {
  return (
    <section className="tasks" aria-labelledby="tasks-heading" aria-busy={tasks.status === 'loading'}>
      <h2 className="tasks__heading" id="tasks-heading" ref={headingRef} tabIndex={-1}>
        Your tasks
      </h2>

      {tasks.deleteError ? (
        <Alert
          action={
            <button type="button" className="button button--small" onClick={tasks.dismissDeleteError}>
              Dismiss
            </button>
          }
        >
          {tasks.deleteError}
        </Alert>
      ) : null}

      {tasks.status === 'loading' ? (
        <p className="tasks__loading">
          <Spinner label="Loading your tasks…" />
        </p>
      ) : tasks.status === 'error' ? (
        <Alert
          title="Your tasks could not be loaded."
          action={
            <button type="button" className="button button--small" onClick={tasks.reload}>
              Try again
            </button>
          }
        >
          {tasks.loadError}
        </Alert>
      ) : tasks.tasks.length === 0 ? (
        <div className="empty">
          <p className="empty__title">No tasks yet</p>
          <p className="muted">Add your first one with the “New task” form. You can attach a photo to it afterwards.</p>
        </div>
      ) : (
        <ul className="task-list">
          {tasks.tasks.map((task) => (
            <TaskItem key={task.id} task={task} today={today} now={now} onDelete={onDelete} onTaskChange={tasks.updateTask} />
          ))}
        </ul>
      )}

      {tasks.status === 'ready' && tasks.loadMoreError ? <Alert>{tasks.loadMoreError}</Alert> : null}
      {tasks.status === 'ready' && tasks.nextCursor ? (
        <div className="tasks__more">
          <button type="button" className="button" onClick={onLoadMore} disabled={tasks.loadingMore}>
            {tasks.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      ) : null}
    </section>
  );
}
