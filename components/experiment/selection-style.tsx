// Members singled out in the legend are highlighted in the population table with one CSS rule
// (the canvases draw the selection themselves).
export function SelectionStyle({ members }: { members: number[] }) {
  if (members.length === 0) return null;
  const rows = members.map((m) => `[data-selection] tr[data-member="${m}"]`).join(", ");
  return <style>{`${rows} { background: color-mix(in oklab, var(--color-emerald-500) 8%, transparent); }`}</style>;
}
