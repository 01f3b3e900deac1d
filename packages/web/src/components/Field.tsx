import { useId, type ReactNode } from 'react';

/**
 * A labelled form field. The input gets its id, `aria-describedby` and `aria-invalid` from here; the hint and
 * error lines always take their space so the form does not jump while you type.
 */
export function Field(props: {
  label: string;
  hint?: ReactNode;
  error?: string | null | undefined;
  children: (ids: { id: string; describedBy: string; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const invalid = Boolean(props.error);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy: hintId, invalid })}
      <span id={hintId} className={invalid ? 'error' : 'hint'} aria-live="polite">
        {invalid ? props.error : props.hint}
      </span>
    </div>
  );
}
