/**
 * smol-toml does not report where values sit, so inline SPARQL in the manifest is located by
 * reading the TOML text: errors in that SPARQL then point at the manifest line and column.
 */

export interface Location {
  line: number;
  column: number;
}

function positionOf(text: string, index: number): Location {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

function headerRegex(table: string): RegExp {
  const parts = table.split('.').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^[ \\t]*\\[\\[[ \\t]*${parts.join('[ \\t]*\\.[ \\t]*')}[ \\t]*\\]\\]`, 'gm');
}

/** Where the string value of `key` in the `index`-th `[[table]]` starts (after its opening quotes). */
export function locateInlineString(toml: string, table: string, index: number, key: string, value: string): Location {
  const headers = [...toml.matchAll(headerRegex(table))];
  const header = headers[index];
  if (header?.index !== undefined) {
    const keyRe = new RegExp(`^[ \\t]*${key}[ \\t]*=[ \\t]*("""|'''|"|')`, 'gm');
    keyRe.lastIndex = header.index;
    const m = keyRe.exec(toml);
    const next = headers[index + 1]?.index ?? toml.length;
    if (m && m.index < next) {
      let start = m.index + m[0].length;
      const delim = m[1] ?? '';
      // TOML drops a newline right after an opening triple quote.
      if (delim.length === 3) {
        if (toml.startsWith('\r\n', start)) start += 2;
        else if (toml.startsWith('\n', start)) start += 1;
      }
      return positionOf(toml, start);
    }
  }
  const firstLine = value.split('\n')[0] ?? '';
  const at = firstLine ? toml.indexOf(firstLine) : -1;
  if (at >= 0) return positionOf(toml, at);
  return header?.index !== undefined ? positionOf(toml, header.index) : { line: 1, column: 1 };
}
