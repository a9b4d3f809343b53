import { execFileSync } from "node:child_process";

/**
 * Pins a process (all its threads) to some CPUs with `taskset`, where there is one (Linux).
 *
 * @param pid The process.
 * @param cpus A CPU list such as `"1"` or `"0-3"`.
 * @returns Whether it worked.
 */
export function pin(pid: number, cpus: string): boolean {
  // `-a` walks the threads one by one: one that ends meanwhile fails the call, so try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
      return true;
    } catch {
      // retry
    }
  }
  return false;
}
