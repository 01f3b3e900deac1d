import { SIZE_UNITS, type SizeUnit } from '../lib/format';

/** A number and a unit (MiB/GiB); the caller converts with `toBytes`. */
export function SizeInput(props: {
  id: string;
  describedBy: string;
  invalid: boolean;
  value: string;
  unit: SizeUnit;
  onChange: (value: string, unit: SizeUnit) => void;
  label: string;
}) {
  return (
    <div className="input-group">
      <input
        id={props.id}
        className="input"
        inputMode="decimal"
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value, props.unit)}
      />
      <select
        className="select"
        aria-label={`${props.label} unit`}
        value={props.unit}
        onChange={(e) => {
          const unit = Object.keys(SIZE_UNITS).find((u): u is SizeUnit => u === e.target.value);
          if (unit) props.onChange(props.value, unit);
        }}
      >
        {Object.keys(SIZE_UNITS).map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </select>
    </div>
  );
}
