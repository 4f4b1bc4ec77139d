/**
 * Live counters of a run, in deliveries (duplicates included). The run updates them; anything may
 * read them: the progress line, or a test that waits for the run to get somewhere.
 */
export interface Progress {
  total: number;
  /** Deliveries whose first attempt has been made. */
  sent: number;
  acknowledged: number;
  /** Failed at least once and still waiting for a retry. */
  retrying: number;
  refused: number;
  abandoned: number;
}

export function createProgress(): Progress {
  return { total: 0, sent: 0, acknowledged: 0, retrying: 0, refused: 0, abandoned: 0 };
}

export function progressLine(progress: Progress): string {
  const { total, sent, acknowledged, retrying, refused, abandoned } = progress;
  return `sent ${sent}/${total} · acknowledged ${acknowledged} · retrying ${retrying} · refused ${refused} · abandoned ${abandoned}`;
}

/** Writes the line every `intervalMs` until stopped; a run shorter than that prints nothing. */
export function reportProgress(progress: Progress, write: (line: string) => void, intervalMs = 1_000): () => void {
  const timer = setInterval(() => write(`${progressLine(progress)}\n`), intervalMs);
  // Progress is a courtesy: it must never be what keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
