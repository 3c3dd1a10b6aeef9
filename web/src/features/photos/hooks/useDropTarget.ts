import { useRef, useState, type DragEvent } from 'react';

export interface DropTarget {
  isOver: boolean;
  handlers: {
    onDragEnter(event: DragEvent): void;
    onDragOver(event: DragEvent): void;
    onDragLeave(event: DragEvent): void;
    onDrop(event: DragEvent): void;
  };
}

const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes('Files');

/** Drag-and-drop of one file onto an element. */
export function useDropTarget(onFile: (file: File) => void, disabled = false): DropTarget {
  const [isOver, setIsOver] = useState(false);
  const depth = useRef(0);
  return {
    isOver,
    handlers: {
      onDragEnter(event) {
        if (disabled || !hasFiles(event)) return;
        event.preventDefault();
        depth.current += 1;
        setIsOver(true);
      },
      onDragOver(event) {
        if (disabled || !hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      },
      onDragLeave() {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setIsOver(false);
      },
      onDrop(event) {
        if (disabled) return;
        event.preventDefault();
        depth.current = 0;
        setIsOver(false);
        const file = event.dataTransfer?.files?.[0];
        if (file) onFile(file);
      },
    },
  };
}
