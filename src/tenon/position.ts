/**
 * Finds where a live-DOM element starts in the fetched source, as Tenon's `position{line,
 * column}` (both 1-based). The DOM is not the source: the parser adds elements (`tbody`, a
 * missing `body`), scripts add and move nodes, and outerHTML re-serialises attributes. So a
 * position is only claimed when it is unambiguous:
 *  1. the node's start tag, exactly as serialised, occurs once in the source; or
 *  2. the source has as many `<tag` openings (outside comments, scripts and styles) as the
 *     DOM has elements of that tag, so the n-th of each is the same element.
 * Otherwise the position is `{line: 0, column: 0}`: unknown, never a wrong guess.
 */

export interface Position {
  line: number;
  column: number;
}

export const UNKNOWN_POSITION: Position = Object.freeze({ line: 0, column: 0 }) as Position;

/** Offsets of `<tag` openings, with comments, raw-text elements and CDATA blanked out first. */
function tagOffsets(masked: string, tag: string): number[] {
  const re = new RegExp(`<${tag.replace(/[^a-z0-9-]/g, '')}(?=[\\s/>])`, 'gi');
  const out: number[] = [];
  for (let m = re.exec(masked); m; m = re.exec(masked)) out.push(m.index);
  return out;
}

/** Same length as the source (offsets stay valid), with non-markup regions replaced by spaces. */
export function maskNonMarkup(source: string): string {
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  return source
    .replace(/<!--[\s\S]*?(?:-->|$)/g, blank)
    .replace(
      /(<(script|style|textarea|title)\b[^>]*>)([\s\S]*?)(<\/\2\s*>)/gi,
      (_m, open, _t, body, close) => {
        return String(open) + blank(String(body)) + String(close);
      },
    );
}

export function offsetToPosition(source: string, offset: number): Position {
  return new SourceIndex(source).position(offset);
}

function startTag(snippet: string): string | undefined {
  const m = /^<[a-z][^>]*>/i.exec(snippet);
  return m ? m[0] : undefined;
}

export interface NodeRef {
  tag: string;
  ordinal: number;
  tagCount: number;
  snippet: string;
}

/**
 * One source prepared for many look-ups: masked once, line starts indexed once, `<tag`
 * offsets found once per tag, so a page with hundreds of issues stays linear in its size.
 */
export class SourceIndex {
  readonly #masked: string;
  readonly #lineStarts: number[] = [0];
  readonly #tags = new Map<string, number[]>();

  constructor(source: string) {
    this.#masked = maskNonMarkup(source);
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1))
      this.#lineStarts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.#lineStarts[lo] ?? 0) + 1 };
  }

  find(node: NodeRef): Position {
    const open = startTag(node.snippet);
    if (open) {
      const first = this.#masked.indexOf(open);
      if (first !== -1 && this.#masked.indexOf(open, first + 1) === -1) return this.position(first);
    }
    let offsets = this.#tags.get(node.tag);
    if (!offsets) {
      offsets = tagOffsets(this.#masked, node.tag);
      this.#tags.set(node.tag, offsets);
    }
    const at = offsets[node.ordinal];
    if (offsets.length === node.tagCount && at !== undefined) return this.position(at);
    return UNKNOWN_POSITION;
  }
}
