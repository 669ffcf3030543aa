// The built site on disk (dist/), for tests that look at its files.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export function builtFiles(dir: string): Array<{ path: string; size: number }> {
  const files: Array<{ path: string; size: number }> = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else files.push({ path: relative(dir, path), size: stat.size });
    }
  };
  walk(dir);
  return files;
}
