import { describe, expect, it } from "vitest";
import { Settings, type SettingsStorage } from "../../../web/state/settings.svelte";

function memoryStorage(initial: Record<string, string> = {}): SettingsStorage & { saved: Record<string, string> } {
  const saved = { ...initial };
  return { saved, getItem: (key) => saved[key] ?? null, setItem: (key, value) => void (saved[key] = value) };
}

/** Enough of a MediaQueryList to follow the system's colour scheme. */
function darkQuery(matches: boolean) {
  const listeners = new Set<() => void>();
  return {
    matches,
    addEventListener: (_: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: () => void) => listeners.delete(listener),
    change(matches: boolean) {
      this.matches = matches;
      for (const l of listeners) l();
    },
  };
}

describe("Settings", () => {
  it("follows the system's colour scheme until the learner picks one, and remembers the pick", () => {
    const storage = memoryStorage();
    const settings = new Settings(storage);
    const query = darkQuery(true);
    settings.followSystem(query as unknown as MediaQueryList);
    expect(settings.theme).toBe("dark");
    query.change(false);
    expect(settings.theme).toBe("light");
    settings.toggleTheme();
    expect(settings.theme).toBe("dark");
    query.change(false);
    expect(settings.theme).toBe("dark");
    expect(storage.saved["contained:theme"]).toBe("dark");
    expect(new Settings(storage).theme).toBe("dark");
  });

  it("remembers screen-reader mode", () => {
    const storage = memoryStorage();
    const settings = new Settings(storage);
    expect(settings.screenReader).toBe(false);
    settings.toggleScreenReader();
    expect(new Settings(storage).screenReader).toBe(true);
  });

  it("works without storage (blocked by the browser)", () => {
    const settings = new Settings(null);
    settings.toggleTheme();
    expect(settings.theme).toBe("dark");
  });
});
