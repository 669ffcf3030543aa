// The learner's preferences, kept in localStorage: colour scheme (the system's until they pick
// one) and the terminal's screen-reader mode.

export type Theme = "light" | "dark";

export interface SettingsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const THEME_KEY = "contained:theme";
const SCREEN_READER_KEY = "contained:screen-reader";

function browserStorage(): SettingsStorage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage blocked (privacy settings, sandboxed iframe)
  }
}

export class Settings {
  private chosenTheme = $state<Theme | null>(null);
  private systemTheme = $state<Theme>("light");
  theme = $derived<Theme>(this.chosenTheme ?? this.systemTheme);
  screenReader = $state(false);

  constructor(private readonly storage: SettingsStorage | null = browserStorage()) {
    const saved = storage?.getItem(THEME_KEY);
    if (saved === "light" || saved === "dark") this.chosenTheme = saved;
    this.screenReader = storage?.getItem(SCREEN_READER_KEY) === "on";
  }

  /** Follows the system's colour scheme until the learner picks one. Returns a disposer. */
  followSystem(query: MediaQueryList): () => void {
    const update = () => (this.systemTheme = query.matches ? "dark" : "light");
    update();
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }

  toggleTheme(): void {
    this.chosenTheme = this.theme === "dark" ? "light" : "dark";
    this.storage?.setItem(THEME_KEY, this.chosenTheme);
  }

  toggleScreenReader(): void {
    this.screenReader = !this.screenReader;
    this.storage?.setItem(SCREEN_READER_KEY, this.screenReader ? "on" : "off");
  }
}
