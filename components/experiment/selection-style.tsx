// Highlighting members is done with one CSS rule set rather than by re-rendering the charts and
// the tree: with 64 members × 100 generations that is thousands of SVG elements.
export function SelectionStyle({ members }: { members: number[] }) {
  if (members.length === 0) return null;
  const not = members.map((m) => `:not([data-member="${m}"])`).join("");
  const notLine = members.map((m) => `:not(.m-${m})`).join("");
  const is = members.map((m) => `[data-selection] .member-line.m-${m}, [data-selection] .member-line.m-${m} path`).join(", ");
  const rows = members.map((m) => `[data-selection] tr[data-member="${m}"]`).join(", ");
  return (
    <style>{`
[data-selection] .member-line${notLine} { opacity: 0.12; }
${is} { stroke-width: 2.5px; stroke-opacity: 1; }
[data-selection] .tree-node${not}, [data-selection] .tree-edge${not} { opacity: 0.2; }
${rows} { background: color-mix(in oklab, var(--color-emerald-500) 8%, transparent); }
`}</style>
  );
}
