/** A `<dialog>` shown modal while its component is mounted (Escape asks the owner to close it). */
import { useEffect, useRef } from 'react';

export function useModal() {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return ref;
}
