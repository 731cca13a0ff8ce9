/**
 * Markdown for descriptions (`mlflow.note.content`, as MLflow renders it), in a safe subset:
 * headings, paragraphs, lists, block quotes, fenced code, inline code, bold, italics and links.
 * It builds Lit templates, never HTML strings, so text (raw HTML included) is always escaped by
 * Lit, and a link is made only for an http(s) or mailto URL: no `javascript:` ever reaches an href.
 */
import { html, type TemplateResult } from 'lit';
import { safeHttpUrl } from './format.js';

type Inline = TemplateResult | string;

function linkTarget(url: string): string | null {
  if (/^mailto:[^\s<>"]+$/i.test(url)) return url;
  return safeHttpUrl(url);
}

/** Inline markup: `code`, **bold**, *em* / _em_, [text](url) and bare http(s) URLs. */
export function renderInline(text: string): Inline[] {
  const out: Inline[] = [];
  const pattern = /`([^`]+)`|\*\*(\S[^*]*?)\*\*|(?<!\w)__(\S[^_]*?)__(?!\w)|\*(\S[^*]*?)\*|(?<!\w)_(\S[^_]*?)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+)/g;
  let last = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) out.push(html`<code>${m[1]}</code>`);
    else if (m[2] !== undefined || m[3] !== undefined) out.push(html`<strong>${renderInline(m[2] ?? m[3]!)}</strong>`);
    else if (m[4] !== undefined || m[5] !== undefined) out.push(html`<em>${renderInline(m[4] ?? m[5]!)}</em>`);
    else if (m[6] !== undefined) {
      const href = linkTarget(m[7]!);
      // A refused link keeps its text and shows its target as text.
      out.push(href ? html`<a href=${href} rel="noopener noreferrer nofollow" target="_blank">${renderInline(m[6])}</a>` : `${m[6]} (${m[7]})`);
    } else {
      const href = safeHttpUrl(m[8]!);
      out.push(href ? html`<a href=${href} rel="noopener noreferrer nofollow" target="_blank">${m[8]}</a>` : m[8]!);
    }
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Block structure, line by line. */
export function renderMarkdown(source: string): TemplateResult {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: TemplateResult[] = [];
  let i = 0;
  const isBlank = (l: string) => l.trim() === '';
  const startsBlock = (l: string) => /^\s{0,3}(#{1,6}\s|```|>|[-*+]\s|\d+[.)]\s)/.test(l);
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^\s{0,3}```/.exec(line);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s{0,3}```/.test(lines[i]!)) code.push(lines[i++]!);
      i++;
      blocks.push(html`<pre><code>${code.join('\n')}</code></pre>`);
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      // Headings inside a description are sub-headings of the page: h3 and below.
      const level = Math.min(6, heading[1]!.length + 2);
      const inner = renderInline(heading[2]!);
      blocks.push(level === 3 ? html`<h3>${inner}</h3>` : level === 4 ? html`<h4>${inner}</h4>` : level === 5 ? html`<h5>${inner}</h5>` : html`<h6>${inner}</h6>`);
      i++;
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i]!)) quoted.push(lines[i++]!.replace(/^\s{0,3}>\s?/, ''));
      blocks.push(html`<blockquote>${renderMarkdown(quoted.join('\n'))}</blockquote>`);
      continue;
    }
    const bullet = /^\s{0,3}([-*+]|\d+[.)])\s+/.exec(line);
    if (bullet) {
      const ordered = /\d/.test(bullet[1]!);
      const items: string[] = [];
      const itemPattern = ordered ? /^\s{0,3}\d+[.)]\s+/ : /^\s{0,3}[-*+]\s+/;
      while (i < lines.length && !isBlank(lines[i]!)) {
        const l = lines[i]!;
        if (itemPattern.test(l)) items.push(l.replace(itemPattern, ''));
        else if (items.length && !startsBlock(l)) items[items.length - 1] += ` ${l.trim()}`;
        else break;
        i++;
      }
      const lis = items.map((t) => html`<li>${renderInline(t)}</li>`);
      blocks.push(ordered ? html`<ol>${lis}</ol>` : html`<ul>${lis}</ul>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !isBlank(lines[i]!) && (para.length === 0 || !startsBlock(lines[i]!))) para.push(lines[i++]!.trim());
    blocks.push(html`<p>${renderInline(para.join(' '))}</p>`);
  }
  return html`<div class="markdown">${blocks}</div>`;
}
