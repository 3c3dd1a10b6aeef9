import { newTaskSchema, type Task } from '@todo/shared/contract';
import { useCallback, useRef, useState, type FormEvent, type RefObject } from 'react';
import { ApiError, describeError, isSessionOver, useApi } from '../../../api/index.ts';
import { errorsFromApi, errorsFromIssues, hasErrors, type FieldErrors } from '../../../lib/validation.ts';
import { todayLocal } from '../dates.ts';

type Field = 'title' | 'body' | 'dueDate';

const TASK_LABELS: Record<Field, string> = { title: 'Title', body: 'Notes', dueDate: 'Due date' };

export interface NewTaskForm {
  values: Record<Field, string>;
  errors: FieldErrors<Field>;
  formError: string | null;
  saving: boolean;
  setValue(field: Field, value: string): void;
  onSubmit(event: FormEvent<HTMLFormElement>): void;
  refs: {
    title: RefObject<HTMLInputElement | null>;
    body: RefObject<HTMLTextAreaElement | null>;
    dueDate: RefObject<HTMLInputElement | null>;
    alert: RefObject<HTMLDivElement | null>;
  };
}

const ORDER: Field[] = ['title', 'body', 'dueDate'];

const emptyValues = (): Record<Field, string> => ({ title: '', body: '', dueDate: todayLocal() });

/** Validates with the API's own schema, creates the task, and hands it to `onCreated`. */
export function useNewTaskForm(onCreated: (task: Task) => void): NewTaskForm {
  const api = useApi();
  const [values, setValues] = useState(emptyValues);
  const [errors, setErrors] = useState<FieldErrors<Field>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const savingRef = useRef(false);
  const refs = {
    title: useRef<HTMLInputElement>(null),
    body: useRef<HTMLTextAreaElement>(null),
    dueDate: useRef<HTMLInputElement>(null),
    alert: useRef<HTMLDivElement>(null),
  };

  const focusFirst = (found: FieldErrors<Field>) => {
    const first = ORDER.find((f) => found[f]);
    if (first) queueMicrotask(() => refs[first].current?.focus());
  };

  const setValue = useCallback((field: Field, value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => (e[field] ? { ...e, [field]: undefined } : e));
  }, []);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (savingRef.current) return;
    setFormError(null);
    const parsed = newTaskSchema.safeParse(values);
    if (!parsed.success) {
      const found = errorsFromIssues(parsed.error.issues, TASK_LABELS);
      // A cleared date input is empty: say what to do rather than which format to type.
      if (found.dueDate && !values.dueDate) found.dueDate = 'Please choose a due date.';
      setErrors(found);
      focusFirst(found);
      return;
    }
    setErrors({});
    savingRef.current = true;
    setSaving(true);
    void api.createTask(parsed.data).then(
      (task) => {
        savingRef.current = false;
        setSaving(false);
        setValues(emptyValues());
        onCreated(task);
        // Ready for the next one.
        queueMicrotask(() => refs.title.current?.focus());
      },
      (error: unknown) => {
        savingRef.current = false;
        setSaving(false);
        if (isSessionOver(error)) return;
        if (error instanceof ApiError && error.code === 'validation_failed') {
          const found = errorsFromApi(error.fields, TASK_LABELS);
          if (hasErrors(found)) {
            setErrors(found);
            focusFirst(found);
            return;
          }
        }
        setFormError(`Your task was not saved. ${describeError(error)}`);
        queueMicrotask(() => refs.alert.current?.focus());
      },
    );
  };

  return { values, errors, formError, saving, setValue, onSubmit, refs };
}
