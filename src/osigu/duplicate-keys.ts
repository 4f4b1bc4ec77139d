/*
 * JSON.parse keeps the last of two equal keys. A body with `event_id` twice names one event to
 * Osigu's dashboard (or any parser that keeps the first) and another to us, under the same
 * signature. So a signed body whose objects repeat a key is refused.
 *
 * Runs on text JSON.parse has already accepted, so the scan needs to know only where strings,
 * objects and arrays start and end. Keys are compared after unescaping ("a" and "\u0061" are
 * equal). Pure, no imports.
 */
export function hasDuplicateKey(text: string): boolean {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x22 /* " */) {
      let end = index + 1;
      let escaped = false;
      for (;;) {
        const c = text.charCodeAt(end);
        if (c === 0x5c /* \ */) {
          escaped = true;
          end += 2;
        } else if (c === 0x22) {
          break;
        } else {
          end += 1;
        }
      }
      const top = stack[stack.length - 1];
      if (expectKey && top instanceof Set) {
        const key = escaped ? (JSON.parse(text.slice(index, end + 1)) as string) : text.slice(index + 1, end);
        if (top.has(key)) return true;
        top.add(key);
        expectKey = false;
      }
      index = end + 1;
      continue;
    }
    if (code === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (code === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (code === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
    index += 1;
  }
  return false;
}
