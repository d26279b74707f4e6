/**
 * A table's `<colgroup>` and header row from one list of columns: each column's width class (the
 * stylesheet's `c-…`) and its heading, so the two can never disagree in number or order.
 */
export interface Column {
  /** the `<col>`'s class (its width), none for the column that takes the rest */
  col?: string;
  label: string;
  /** the `<th>`'s class (`num`, `right`) */
  className?: string;
}

export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <>
      <colgroup>
        {columns.map((c, i) => (
          <col key={i} className={c.col} />
        ))}
      </colgroup>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} className={c.className}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
    </>
  );
}
