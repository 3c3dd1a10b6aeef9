import { dueInWords, formatDueDate } from '../dates.ts';

export function DueDate({ dueDate, today }: { dueDate: string; today: string }) {
  const due = dueInWords(dueDate, today);
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
