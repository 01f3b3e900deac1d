import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

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

/** A {@link Field} holding a single text `<input>`; `onChange` gets the new value. */
export function TextField(
  props: {
    label: string;
    hint?: ReactNode;
    error?: string | null | undefined;
    value: string;
    onChange: (value: string) => void;
  } & Omit<
    InputHTMLAttributes<HTMLInputElement>,
    'id' | 'value' | 'onChange' | 'aria-describedby' | 'aria-invalid'
  >,
) {
  const { label, hint, error, value, onChange, ...input } = props;
  return (
    <Field label={label} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <input
          {...input}
          id={id}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
