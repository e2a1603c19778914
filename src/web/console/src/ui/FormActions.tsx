/** A form's submit button, and "Cancel" where the form can be left without saving (an edit in place). */
export function FormActions({
  submitLabel,
  disabled,
  onCancel,
}: {
  submitLabel: string;
  disabled?: boolean;
  onCancel?(): void;
}) {
  return (
    <div className="actions">
      <button type="submit" className="primary" disabled={disabled}>
        {submitLabel}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
