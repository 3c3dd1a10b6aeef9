import { LIMITS, type Task } from '@todo/shared/contract';
import { Alert } from '../../../components/Alert.tsx';
import { InputField, TextAreaField } from '../../../components/Field.tsx';
import { useNewTaskForm } from '../hooks/useNewTaskForm.ts';

/** Owns its own state, so typing re-renders the form and not the list beside it. */
export function NewTaskForm({ onCreated }: { onCreated: (task: Task) => void }) {
  const { values, errors, formError, saving, setValue, onSubmit, refs } = useNewTaskForm(onCreated);
  const titleLength = [...values.title].length;
  return (
    <form className="card stack" onSubmit={onSubmit} noValidate aria-labelledby="new-task-heading">
      <h2 id="new-task-heading" className="card__title">
        New task
      </h2>
      {formError ? <Alert alertRef={refs.alert}>{formError}</Alert> : null}
      <InputField
        label="Title"
        name="title"
        inputRef={refs.title}
        value={values.title}
        onChange={(e) => setValue('title', e.target.value)}
        error={errors.title}
        hint={titleLength > LIMITS.titleMax - 40 ? `${titleLength} of ${LIMITS.titleMax} characters` : undefined}
        placeholder="What needs doing?"
        autoComplete="off"
        required
      />
      <TextAreaField
        label="Notes"
        name="body"
        inputRef={refs.body}
        value={values.body}
        onChange={(e) => setValue('body', e.target.value)}
        error={errors.body}
        hint="Optional."
        rows={2}
      />
      <InputField
        label="Due date"
        name="dueDate"
        type="date"
        inputRef={refs.dueDate}
        value={values.dueDate}
        onChange={(e) => setValue('dueDate', e.target.value)}
        error={errors.dueDate}
        min="1000-01-01"
        max="9999-12-31"
        required
      />
      <button type="submit" className="button button--primary button--block" disabled={saving}>
        {saving ? 'Adding…' : 'Add task'}
      </button>
    </form>
  );
}
