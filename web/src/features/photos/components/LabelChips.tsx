import type { Label } from '@todo/shared/contract';
import { useLabelList } from '../hooks/useLabelList.ts';

const percent = (score: number) => Math.round(score * 100);

/** What the photo shows, one chip per label, each with its confidence as a bar. */
export function LabelChips({ labels }: { labels: Label[] }) {
  const list = useLabelList(labels);
  if (labels.length === 0) return <p className="photo__hint">We could not name anything in this photo.</p>;
  return (
    <div className="labels">
      <ul className="chips" aria-label="What the photo shows">
        {list.visible.map((label) => (
          <li className="chip" key={label.name}>
            <span className="chip__name">{label.name}</span>
            <span className="chip__score">
              <span className="chip__bar" aria-hidden="true">
                <span className="chip__fill" style={{ width: `${Math.max(3, percent(label.score))}%` }} />
              </span>
              <span className="chip__percent">
                {percent(label.score) < 1 ? '<1' : percent(label.score)}%<span className="visually-hidden"> sure</span>
              </span>
            </span>
          </li>
        ))}
      </ul>
      {list.hiddenCount > 0 ? (
        <button type="button" className="link-button labels__more" aria-expanded={list.expanded} onClick={list.toggle}>
          {list.expanded ? 'Show fewer guesses' : `Show ${list.hiddenCount} less likely ${list.hiddenCount === 1 ? 'guess' : 'guesses'}`}
        </button>
      ) : null}
    </div>
  );
}
