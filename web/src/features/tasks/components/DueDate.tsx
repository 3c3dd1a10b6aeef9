import { formatDueDate, type DueInWords } from '../dates.ts';

/** `due` is dueInWords(dueDate, today), worked out once by the task. */
export function DueDate({ dueDate, due }: { dueDate: string; due: DueInWords }) {
  return (
    <span className="due-wrap">
      <span className={`due due--${due.tone}`}>
        {due.tone === 'overdue' ? <span aria-hidden="true">⚠ </span> : null}
        {due.text.charAt(0).toUpperCase() + due.text.slice(1)}
      </span>{' '}
      <time className="muted" dateTime={dueDate}>
        {formatDueDate(dueDate)}
      </time>
    </span>
  );
}
