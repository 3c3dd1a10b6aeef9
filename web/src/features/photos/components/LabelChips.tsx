import type { Label } from '@todo/shared/contract';

const percent = (score: number) => Math.round(score * 100);

/** What the photo shows, one chip per label, each with its confidence as a bar. */
export function LabelChips({ labels, max = 5 }: { labels: Label[]; max?: number }) {
  if (labels.length === 0) return null;
  return (
    <ul className="chips" aria-label="What the photo shows">
      {labels.slice(0, max).map((label) => (
        <li className="chip" key={label.name}>
          <span className="chip__name">{label.name}</span>
          <span className="chip__score">
            <span className="chip__bar" aria-hidden="true">
              <span className="chip__fill" style={{ width: `${Math.max(2, percent(label.score))}%` }} />
            </span>
            <span className="chip__percent">
              {percent(label.score) < 1 ? '<1' : percent(label.score)}%<span className="visually-hidden"> confidence</span>
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}
