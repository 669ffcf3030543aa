// Lesson HTML (from marked) made safe to put in the page: only plain document markup survives.
// No scripts, no event handlers, no javascript: links, no forms, frames or styles, whether the
// lesson ships with the site or came in a lesson pack from another site (web/embed/pack.ts).
// DOMPurify does the parsing; without a DOM (Node) everything is escaped instead: never raw.
import DOMPurify from "dompurify";

const FORBID_TAGS = ["style", "form", "input", "button", "textarea", "select", "option", "iframe", "frame", "object", "embed", "link", "meta", "base"];

let hooked = false;

function escapeAll(html: string): string {
  return html.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function sanitizeLessonHtml(html: string): string {
  if (!DOMPurify.isSupported) return escapeAll(html);
  if (!hooked) {
    hooked = true;
    // A link out of the lesson opens beside the lab, never in its place (nor in its frame).
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName !== "A" || !node.getAttribute("href")) return;
      const href = node.getAttribute("href")!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
  }
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS, FORBID_ATTR: ["style"] });
}
