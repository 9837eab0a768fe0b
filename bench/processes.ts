/**
 * Resident memory of a browser's processes, read from /proc (Linux): VmRSS (everything resident,
 * including the browser binary's file pages that every process of the browser shares) and RssAnon
 * (anonymous memory: heaps, wasm memory, what the extension really adds).
 */
import * as fs from 'node:fs';

export interface ProcMemory {
  pid: number;
  args: string;
  rssMiB: number;
  anonMiB: number;
  threads: number;
}

const MIB = 1024;

function read(pid: number): ProcMemory | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    // Chromium rewrites its title into one space-separated string; Firefox keeps NUL separators.
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, args, rssMiB: Math.round((kb('VmRSS') / MIB) * 10) / 10, anonMiB: Math.round((kb('RssAnon') / MIB) * 10) / 10, threads: kb('Threads') };
  } catch {
    return null; // exited meanwhile
  }
}

/** Every live descendant process of `root`. */
export function descendants(root: number): ProcMemory[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const isUnder = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(isUnder).map(read).filter((p): p is ProcMemory => p !== null);
}

/** Chromium: the extension's renderer processes (`--extension-process`): service worker, offscreen document, popup. */
export function chromeExtensionRenderers(browserPid: number): ProcMemory[] {
  return descendants(browserPid).filter((p) => p.args.includes('--type=renderer') && p.args.includes('--extension-process'));
}

/** Firefox content processes (`-contentproc … tab`): the extension process is one of them. */
export function firefoxContentProcesses(browserPid: number): ProcMemory[] {
  return descendants(browserPid).filter((p) => p.args.includes('-contentproc') && p.args.includes('-isForBrowser'));
}

export interface MemorySnapshot {
  rssMiB: number;
  anonMiB: number;
  processes: ProcMemory[];
}

export function snapshot(processes: ProcMemory[]): MemorySnapshot {
  const sum = (k: 'rssMiB' | 'anonMiB'): number => Math.round(processes.reduce((a, p) => a + p[k], 0) * 10) / 10;
  return { rssMiB: sum('rssMiB'), anonMiB: sum('anonMiB'), processes: processes.map((p) => ({ ...p, args: p.args.slice(0, 120) })) };
}
