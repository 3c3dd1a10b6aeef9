import type { Label } from '@todo/shared/contract';
import { useState } from 'react';

/** Labels below this confidence are tucked away until asked for: they are mostly noise. */
export const SHOWN_MIN_SCORE = 0.05;
const SHOWN_MAX = 5;

export function useLabelList(labels: Label[]) {
  const [expanded, setExpanded] = useState(false);
  const confident = labels.filter((l, i) => i === 0 || l.score >= SHOWN_MIN_SCORE).slice(0, SHOWN_MAX);
  const visible = expanded ? labels : confident;
  return {
    visible,
    hiddenCount: labels.length - confident.length,
    expanded,
    toggle: () => setExpanded((e) => !e),
  };
}
