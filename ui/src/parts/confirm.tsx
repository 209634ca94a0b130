import { useEffect, useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

/** Props of {@link Confirm}. */
export interface ConfirmProps {
  readonly title: string;
  readonly children: ComponentChildren;
  readonly confirmLabel: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/**
 * A modal confirmation (native dialog: focus moves in, Escape cancels, the page behind is inert). Every
 * control that changes the system goes through one.
 */
export function Confirm(props: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={(e) => (e.preventDefault(), props.onCancel())}>
      <h2 id="confirm-title">{props.title}</h2>
      <div class="confirm-body">{props.children}</div>
      <div class="buttons">
        <button type="button" onClick={props.onCancel}>Cancel</button>
        <button type="button" class="primary" autofocus onClick={props.onConfirm}>{props.confirmLabel}</button>
      </div>
    </dialog>
  );
}
