// The small frontmatter at the top of a lesson's markdown: `key: value` lines between `---`.

export interface Frontmatter {
  attributes: Record<string, string>;
  body: string;
}

const BLOCK = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

export function parseFrontmatter(source: string): Frontmatter {
  const block = BLOCK.exec(source);
  if (!block) return { attributes: {}, body: source };
  const attributes: Record<string, string> = {};
  for (const line of block[1].split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon < 0) throw new Error(`frontmatter line without a colon: "${line}"`);
    const value = line.slice(colon + 1).trim();
    attributes[line.slice(0, colon).trim()] = value.replace(/^(["'])(.*)\1$/, "$2");
  }
  return { attributes, body: source.slice(block[0].length) };
}
