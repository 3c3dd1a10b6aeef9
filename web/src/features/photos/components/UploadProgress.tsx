import { Spinner } from '../../../components/Spinner.tsx';
import { formatBytes } from '../../../lib/format.ts';
import type { UploadPhase } from '../hooks/usePhotoUpload.ts';

interface Props {
  phase: UploadPhase;
  sent: number;
  total: number;
  onCancel(): void;
}

/** "Uploading… 1.2 MB of 2.5 MB" with a bar of the bytes actually sent, then "Recognising…". */
export function UploadProgress({ phase, sent, total, onCancel }: Props) {
  if (phase === 'idle') return null;
  if (phase === 'recognising') {
    return (
      <div className="upload" role="status">
        <Spinner label="Recognising…" />
      </div>
    );
  }
  const pct = total > 0 ? Math.min(100, Math.round((sent / total) * 100)) : 0;
  return (
    <div className="upload">
      <div className="upload__row">
        <span>
          {total > 0 ? `Uploading… ${formatBytes(sent)} of ${formatBytes(total)}` : 'Preparing photo…'}
        </span>
        <button type="button" className="button button--small button--quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <progress className="progress" max={100} value={pct} aria-label={`Upload progress, ${pct}%`}>
        {pct}%
      </progress>
    </div>
  );
}
