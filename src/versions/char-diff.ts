/**
 * Character-level diff (Myers' O(ND) algorithm) of two article texts. Written here rather than taken from a
 * package: articles are at most a few thousand characters, and the output only needs equal / added / removed runs.
 */

export interface DiffPart {
  kind: 'equal' | 'added' | 'removed';
  text: string;
}

/** Runs of `a` kept, removed and of `b` added, in reading order; joining equal+removed gives `a`, equal+added gives `b`. */
export function diffChars(a: string, b: string): DiffPart[] {
  const x = [...a];
  const y = [...b];
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xs = x.slice(pre, x.length - suf);
  const ys = y.slice(pre, y.length - suf);
  const parts: DiffPart[] = [];
  const push = (kind: DiffPart['kind'], text: string) => {
    if (!text) return;
    const last = parts.at(-1);
    if (last && last.kind === kind) last.text += text;
    else parts.push({ kind, text });
  };
  push('equal', x.slice(0, pre).join(''));
  for (const op of myers(xs, ys)) push(op.kind, op.text);
  push('equal', x.slice(x.length - suf).join(''));
  return cleanup(parts);
}

interface Op {
  kind: DiffPart['kind'];
  text: string;
}

function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m ? [{ kind: 'added', text: b.join('') }] : [];
  if (m === 0) return [{ kind: 'removed', text: a.join('') }];
  const max = n + m;
  // One spare diagonal on each side: step d reads diagonals -d-1 and d+1.
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    // Only diagonals -d-1..d+1 matter at step d: O(D²) memory instead of O(D·(N+M)).
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let xi = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let yi = xi - k;
      while (xi < n && yi < m && a[xi] === b[yi]) {
        xi++;
        yi++;
      }
      v[offset + k] = xi;
      if (xi >= n && yi >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from (n, m), collecting single-character steps in reverse.
  const steps: Op[] = [];
  let xi = n;
  let yi = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const at = (kk: number) => vd[kk + d + 1]!;
    const k = xi - yi;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (xi > prevX && yi > prevY) {
      steps.push({ kind: 'equal', text: a[xi - 1]! });
      xi--;
      yi--;
    }
    if (d === 0) break;
    if (xi === prevX) steps.push({ kind: 'added', text: b[yi - 1]! });
    else steps.push({ kind: 'removed', text: a[xi - 1]! });
    xi = prevX;
    yi = prevY;
  }
  steps.reverse();
  return steps;
}

/** A one-character equal run between two changes reads as noise (改 "县级人民政府" piecemeal): fold it into both sides. */
function cleanup(parts: DiffPart[]): DiffPart[] {
  const out: DiffPart[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const prev = parts[i - 1];
    const next = parts[i + 1];
    if (p.kind === 'equal' && [...p.text].length <= 1 && prev && next && prev.kind !== 'equal' && next.kind !== 'equal') {
      out.push({ kind: 'removed', text: p.text }, { kind: 'added', text: p.text });
      continue;
    }
    out.push({ ...p });
  }
  // Regroup: consecutive non-equal parts become one removed run followed by one added run.
  const merged: DiffPart[] = [];
  let removed = '';
  let added = '';
  const flush = () => {
    if (removed) merged.push({ kind: 'removed', text: removed });
    if (added) merged.push({ kind: 'added', text: added });
    removed = added = '';
  };
  for (const p of out) {
    if (p.kind === 'equal') {
      flush();
      const last = merged.at(-1);
      if (last && last.kind === 'equal') last.text += p.text;
      else merged.push(p);
    } else if (p.kind === 'removed') removed += p.text;
    else added += p.text;
  }
  flush();
  return merged;
}
