// The browser half of `npm run bench`: filled in with the UI (navigation -> prompt, keystroke -> echo).
export async function benchBrowser(figure: (name: string, value: string, target?: string) => void): Promise<void> {
  figure("browser figures", "not measured yet");
}
