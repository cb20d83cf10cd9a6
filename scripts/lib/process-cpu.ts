import { readFile, readdir } from "node:fs/promises";
import path from "node:path";

// CPU time of a PostgreSQL server and its backends, read from /proc (Linux).
// A benchmark on a shared two-core machine reports CPU time per unit of
// work next to throughput: throughput moves with whatever else runs, the
// CPU a unit of work costs much less.

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  parent: number;
  /** user + system time of the process itself, in ticks. */
  own: number;
  /** user + system time of its children that have exited, in ticks. */
  reaped: number;
}

async function readStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name is in parentheses and may hold spaces: split after it.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // Fields from the third on: state, ppid, ..., utime (14th), stime,
  // cutime, cstime.
  const at = (n: number) => Number(fields[n - 3]);
  return {
    pid,
    parent: at(4),
    own: at(14) + at(15),
    reaped: at(16) + at(17),
  };
}

/**
 * CPU seconds used so far by the PostgreSQL server whose data directory is
 * `dataDir`: the postmaster, its live children, and the children it reaped.
 */
export async function postgresCpuSeconds(dataDir: string): Promise<number> {
  const pidFile = await readFile(path.join(dataDir, "postmaster.pid"), "utf8");
  const postmaster = Number(pidFile.split("\n")[0]);
  const root = await readStat(postmaster);
  if (!root) throw new Error(`no PostgreSQL process ${postmaster}`);
  let ticks = root.own + root.reaped;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readStat(Number(entry));
    if (stat?.parent === postmaster) ticks += stat.own;
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds this process has used so far. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
