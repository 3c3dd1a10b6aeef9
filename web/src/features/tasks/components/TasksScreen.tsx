import type { Task } from '@todo/shared/contract';
import { useCallback, useEffect, useRef } from 'react';
import { useAnnounce } from '../../../components/Announcer.tsx';
import { useClock } from '../../../lib/useClock.ts';
import { SIGNED_OUT, useSession } from '../../auth/SessionProvider.tsx';
import { todayLocal } from '../dates.ts';
import { useFocusAfterRender } from '../hooks/useFocusAfterRender.ts';
import { useTasks } from '../hooks/useTasks.ts';
import { NewTaskForm } from './NewTaskForm.tsx';
import { TaskList } from './TaskList.tsx';
import { taskHeadingId } from './TaskItem.tsx';

/** The signed-in screen: the new-task form and the list. */
export function TasksScreen() {
  const { session, signOut } = useSession();
  const announce = useAnnounce();
  const now = useClock();
  const today = todayLocal(now);
  const tasks = useTasks();
  const focusLater = useFocusAfterRender();
  const listHeading = useRef<HTMLHeadingElement>(null);

  const { addTask } = tasks;
  const onCreated = useCallback(
    (task: Task) => {
      addTask(task);
      announce(`Task “${task.title}” added to the top of your list.`);
    },
    [addTask, announce],
  );

  useEffect(() => {
    document.title = 'Your tasks · Tasks';
    listHeading.current?.focus();
  }, []);

  const onDelete = (task: Task) => {
    const index = tasks.tasks.findIndex((t) => t.id === task.id);
    const next = tasks.tasks[index + 1] ?? tasks.tasks[index - 1];
    if (next) focusLater(taskHeadingId(next.id));
    else focusLater('tasks-heading');
    void tasks.deleteTask(task).then((deleted) => {
      if (deleted) announce(`Task “${task.title}” deleted.`);
      else focusLater(taskHeadingId(task.id));
    });
  };

  const onLoadMore = () => {
    void tasks.loadMore().then((first) => {
      if (first) focusLater(taskHeadingId(first.id));
    });
  };

  return (
    <>
      <header className="topbar">
        <div className="topbar__inner">
          <p className="brand">
            <span className="brand__mark" aria-hidden="true">
              ✓
            </span>{' '}
            Tasks
          </p>
          <div className="topbar__user">
            <span className="topbar__name">
              <span className="visually-hidden">Signed in as </span>
              {session?.username}
            </span>
            <button type="button" className="button button--small" onClick={() => signOut(SIGNED_OUT)}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main className="layout" id="main">
        <h1 className="visually-hidden">Tasks of {session?.username}</h1>
        <div className="layout__form">
          <NewTaskForm onCreated={onCreated} />
        </div>
        <div className="layout__list">
          <TaskList tasks={tasks} today={today} now={now} headingRef={listHeading} onDelete={onDelete} onLoadMore={onLoadMore} />
        </div>
      </main>
    </>
  );
}
