import { LIMITS, type Task } from '@todo/shared/contract';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { ApiError, describeError, isSessionOver, useApi } from '../../../api/index.ts';

export interface TasksState {
  tasks: Task[];
  nextCursor: string | null;
  status: 'loading' | 'ready' | 'error';
  loadError: string | null;
  loadingMore: boolean;
  loadMoreError: string | null;
  /** A delete that failed and was undone, to tell the person about. */
  deleteError: string | null;
}

type Action =
  | { type: 'loading' }
  | { type: 'loaded'; tasks: Task[]; nextCursor: string | null; append: boolean }
  | { type: 'loadFailed'; message: string; append: boolean }
  | { type: 'loadingMore' }
  | { type: 'added'; task: Task }
  | { type: 'updated'; task: Task }
  | { type: 'removed'; id: string }
  | { type: 'restored'; task: Task; index: number; message: string }
  | { type: 'dismissDeleteError' };

const initial: TasksState = {
  tasks: [],
  nextCursor: null,
  status: 'loading',
  loadError: null,
  loadingMore: false,
  loadMoreError: null,
  deleteError: null,
};

function reducer(state: TasksState, action: Action): TasksState {
  switch (action.type) {
    case 'loading':
      return { ...initial };
    case 'loadingMore':
      return { ...state, loadingMore: true, loadMoreError: null };
    case 'loaded': {
      if (!action.append) return { ...state, status: 'ready', tasks: action.tasks, nextCursor: action.nextCursor, loadError: null };
      const seen = new Set(state.tasks.map((t) => t.id));
      return {
        ...state,
        tasks: [...state.tasks, ...action.tasks.filter((t) => !seen.has(t.id))],
        nextCursor: action.nextCursor,
        loadingMore: false,
      };
    }
    case 'loadFailed':
      return action.append
        ? { ...state, loadingMore: false, loadMoreError: action.message }
        : { ...state, status: 'error', loadError: action.message };
    case 'added':
      return { ...state, tasks: [action.task, ...state.tasks.filter((t) => t.id !== action.task.id)] };
    case 'updated':
      return { ...state, tasks: state.tasks.map((t) => (t.id === action.task.id ? action.task : t)) };
    case 'removed':
      return { ...state, tasks: state.tasks.filter((t) => t.id !== action.id), deleteError: null };
    case 'restored': {
      if (state.tasks.some((t) => t.id === action.task.id)) return { ...state, deleteError: action.message };
      const tasks = [...state.tasks];
      tasks.splice(Math.min(action.index, tasks.length), 0, action.task);
      return { ...state, tasks, deleteError: action.message };
    }
    case 'dismissDeleteError':
      return { ...state, deleteError: null };
  }
}

export interface TasksApi extends TasksState {
  reload(): void;
  /** Loads the next page; resolves with the first task of it (for focus), if any. */
  loadMore(): Promise<Task | null>;
  addTask(task: Task): void;
  updateTask(task: Task): void;
  /** Removes at once; puts the task back if the server says no. Resolves true when deleted. */
  deleteTask(task: Task): Promise<boolean>;
  dismissDeleteError(): void;
}

/** The signed-in person's tasks: newest first, paged with the API's cursor. */
export function useTasks(pageSize: number = LIMITS.listLimitDefault): TasksApi {
  const api = useApi();
  const [state, dispatch] = useReducer(reducer, initial);
  const stateRef = useRef(state);
  stateRef.current = state;
  const [reloadKey, bumpReload] = useReducer((n: number) => n + 1, 0);

  useEffect(() => {
    const controller = new AbortController();
    dispatch({ type: 'loading' });
    api.listTasks({ limit: pageSize }, controller.signal).then(
      (page) => dispatch({ type: 'loaded', tasks: page.tasks, nextCursor: page.nextCursor, append: false }),
      (error: unknown) => {
        if (controller.signal.aborted || isSessionOver(error)) return;
        dispatch({ type: 'loadFailed', message: describeError(error), append: false });
      },
    );
    return () => controller.abort();
  }, [api, pageSize, reloadKey]);

  const loadMore = useCallback(async (): Promise<Task | null> => {
    const { nextCursor, loadingMore } = stateRef.current;
    if (!nextCursor || loadingMore) return null;
    dispatch({ type: 'loadingMore' });
    try {
      const page = await api.listTasks({ limit: pageSize, cursor: nextCursor });
      const known = new Set(stateRef.current.tasks.map((t) => t.id));
      dispatch({ type: 'loaded', tasks: page.tasks, nextCursor: page.nextCursor, append: true });
      return page.tasks.find((t) => !known.has(t.id)) ?? null;
    } catch (error) {
      if (!isSessionOver(error)) dispatch({ type: 'loadFailed', message: describeError(error), append: true });
      return null;
    }
  }, [api, pageSize]);

  const deleteTask = useCallback(
    async (task: Task): Promise<boolean> => {
      const index = stateRef.current.tasks.findIndex((t) => t.id === task.id);
      dispatch({ type: 'removed', id: task.id });
      try {
        await api.deleteTask(task.id);
        return true;
      } catch (error) {
        // Already gone is what the person wanted.
        if (error instanceof ApiError && error.code === 'not_found') return true;
        if (isSessionOver(error)) return false;
        dispatch({
          type: 'restored',
          task,
          index: Math.max(0, index),
          message: `We could not delete “${task.title}”, so it is back in your list. ${describeError(error)}`,
        });
        return false;
      }
    },
    [api],
  );

  return {
    ...state,
    reload: bumpReload,
    loadMore,
    addTask: useCallback((task: Task) => dispatch({ type: 'added', task }), []),
    updateTask: useCallback((task: Task) => dispatch({ type: 'updated', task }), []),
    deleteTask,
    dismissDeleteError: useCallback(() => dispatch({ type: 'dismissDeleteError' }), []),
  };
}
