import { readFileSync, readdirSync } from 'node:fs';
import { Lexer, Marked, type Token, type Tokens } from 'marked';

/**
 * The portal's written documentation: the Markdown files of `docs/` (topics) and `docs/guides/` (guides),
 * the same files GitHub shows, rendered to HTML once at startup. Links between them are rewritten to the
 * portal's URLs, `http://localhost:8080/...` links (the address every guide uses) to this server's paths,
 * and links to files the portal does not serve become plain text, so a page never links to a 404.
 */

/** `docs/` of the package: two levels up from both src/portal/ and dist/portal/. */
export const DOCS_DIR = new URL('../../docs/', import.meta.url);

/** The address the guides' commands and links use; the test suite replaces it with its server's. */
export const GUIDE_BASE_URL = 'http://localhost:8080';

export interface Heading {
  depth: number;
  id: string;
  text: string;
}

export interface Page {
  kind: 'guide' | 'topic' | 'guides-index';
  slug: string;
  /** The portal path that serves the page. */
  path: string;
  /** The text of the first level-1 heading. */
  title: string;
  /** The first paragraph, as plain text. */
  summary: string;
  html: string;
  headings: Heading[];
}

export interface Library {
  /** In the order of the guides index (docs/guides/README.md), then any other guide by name. */
  guides: Page[];
  topics: Page[];
  guidesIndex: Page;
  guide(slug: string): Page | undefined;
  topic(slug: string): Page | undefined;
}

export const guidePath = (slug: string) => `/docs/guides/${slug}`;
export const topicPath = (slug: string) => `/docs/topics/${slug}`;
export const GUIDES_INDEX_PATH = '/docs/guides';

/** A fenced code block the test suite runs; see docs/guides/README.md for the marker syntax. */
export interface RunnableBlock {
  lang: string;
  code: string;
  /** Regular expression the block's output must match. */
  expect?: RegExp;
  /** Write the block to this file (in the working directory) instead of running it. */
  file?: string;
}

const TEST_MARKER = /^<!--\s*test\b([\s\S]*?)-->\s*$/;

/** The marked blocks of a guide, in order. */
export function runnableBlocks(markdown: string): RunnableBlock[] {
  const tokens = new Lexer().lex(markdown);
  const blocks: RunnableBlock[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const marker = tokens[i]!.type === 'html' ? TEST_MARKER.exec((tokens[i] as Tokens.HTML).text.trim()) : null;
    if (!marker) continue;
    let next = i + 1;
    while (tokens[next]?.type === 'space') next++;
    const code = tokens[next];
    if (code?.type !== 'code') throw new Error(`a <!-- test --> marker must be followed by a fenced code block (${marker[0]})`);
    const attributes = markerAttributes(marker[1] ?? '');
    const { text, lang } = code as Tokens.Code;
    blocks.push({
      lang: lang ?? '',
      code: text,
      ...(attributes.expect !== undefined ? { expect: new RegExp(attributes.expect, 'm') } : {}),
      ...(attributes.file !== undefined ? { file: attributes.file } : {}),
    });
  }
  return blocks;
}

function markerAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  // A double-quoted value may hold \" for a quote; other backslashes are kept (they belong to the regex).
  for (const match of source.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))/g)) attributes[match[1]!] = match[2]?.replace(/\\"/g, '"') ?? match[3] ?? match[4] ?? '';
  return attributes;
}

interface SourceFile {
  kind: Page['kind'];
  slug: string;
  path: string;
  url: URL;
}

export function loadLibrary(docsDir: URL = DOCS_DIR): Library {
  const guidesDir = new URL('guides/', docsDir);
  const markdownIn = (dir: URL) => readdirSync(dir).filter((name) => name.endsWith('.md')).sort();
  const sources: SourceFile[] = [
    ...markdownIn(docsDir).map((name) => ({ kind: 'topic' as const, slug: name.slice(0, -3), path: topicPath(name.slice(0, -3)), url: new URL(name, docsDir) })),
    ...markdownIn(guidesDir).map((name) =>
      name === 'README.md'
        ? { kind: 'guides-index' as const, slug: 'README', path: GUIDES_INDEX_PATH, url: new URL(name, guidesDir) }
        : { kind: 'guide' as const, slug: name.slice(0, -3), path: guidePath(name.slice(0, -3)), url: new URL(name, guidesDir) },
    ),
  ];
  // Links are resolved as GitHub resolves them, against the file's own location.
  const byFile = new Map(sources.map((source) => [source.url.href, source]));
  const pages = sources.map((source) => renderPage(source, readFileSync(source.url, 'utf8'), byFile));
  const guidesIndex = pages.find((page) => page.kind === 'guides-index');
  if (!guidesIndex) throw new Error(`no guides index: ${new URL('README.md', guidesDir).pathname} is missing`);
  const order = [...readFileSync(new URL('README.md', guidesDir), 'utf8').matchAll(/\]\(\.?\/?([\w-]+)\.md\)/g)].map((m) => m[1]!);
  const rank = (slug: string) => (order.includes(slug) ? order.indexOf(slug) : order.length);
  const guides = pages.filter((page) => page.kind === 'guide').sort((a, b) => rank(a.slug) - rank(b.slug) || a.slug.localeCompare(b.slug));
  const topics = pages.filter((page) => page.kind === 'topic');
  return {
    guides,
    topics,
    guidesIndex,
    guide: (slug) => guides.find((page) => page.slug === slug),
    topic: (slug) => topics.find((page) => page.slug === slug),
  };
}

function renderPage(source: SourceFile, markdown: string, byFile: Map<string, SourceFile>): Page {
  const tokens = new Lexer().lex(markdown);
  const slugs = new Map<string, number>();
  const headings: Heading[] = [];
  const marked = new Marked({
    gfm: true,
    renderer: {
      // Ids are given in rendering order, which is document order, as GitHub numbers repeated headings.
      heading({ tokens: inline, depth }) {
        const text = plainText(inline);
        const id = uniqueSlug(text, slugs);
        headings.push({ depth, id, text });
        return `<h${depth} id="${id}"><a class="anchor" href="#${id}" aria-label="Link to this section">#</a>${this.parser.parseInline(inline)}</h${depth}>\n`;
      },
      link({ href, title: linkTitle, tokens: inline }) {
        const text = this.parser.parseInline(inline);
        const target = resolveLink(href, source, byFile);
        if (target === undefined) return `<span class="unlinked">${text}</span>`;
        const external = /^https?:/.test(target);
        return `<a href="${escapeAttribute(target)}"${linkTitle ? ` title="${escapeAttribute(linkTitle)}"` : ''}${external ? ' rel="noopener noreferrer"' : ''}>${text}</a>`;
      },
      html({ text }) {
        // The runnable-block markers are for the test suite, not for readers.
        return TEST_MARKER.test(text.trim()) ? '' : text;
      },
    },
  });
  const html = marked.parser(tokens);
  const title = headings.find((heading) => heading.depth === 1)?.text;
  if (!title) throw new Error(`${source.url.pathname} has no level-1 heading`);
  const paragraph = tokens.find((token): token is Tokens.Paragraph => token.type === 'paragraph');
  const summary = paragraph ? plainText(paragraph.tokens).replace(/\s+/g, ' ').trim() : '';
  return { kind: source.kind, slug: source.slug, path: source.path, title, summary, html, headings };
}

/** The portal URL of a link in a Markdown file, or undefined when the portal does not serve its target. */
function resolveLink(href: string, source: SourceFile, byFile: Map<string, SourceFile>): string | undefined {
  if (href.startsWith('#')) return href;
  if (href === GUIDE_BASE_URL || href.startsWith(`${GUIDE_BASE_URL}/`)) return href.slice(GUIDE_BASE_URL.length) || '/';
  if (/^(https?|mailto):/i.test(href)) return href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/')) return undefined;
  const resolved = new URL(href, source.url);
  const fragment = resolved.hash;
  resolved.hash = '';
  const target = byFile.get(resolved.href);
  return target ? `${target.path}${fragment}` : undefined;
}

/** Text content of inline tokens, as a browser would show it. */
function plainText(tokens: Token[] | undefined): string {
  return (tokens ?? [])
    .map((token) => {
      if ('tokens' in token && Array.isArray(token.tokens) && token.tokens.length > 0) return plainText(token.tokens);
      if (token.type === 'codespan') return decodeEntities((token as Tokens.Codespan).text);
      if (token.type === 'html') return '';
      return 'text' in token && typeof token.text === 'string' ? decodeEntities(token.text) : '';
    })
    .join('');
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? '');
}

/** GitHub's heading ids (lower case, punctuation dropped, spaces to dashes, -1, -2 for repeats), so anchors work on both. */
function uniqueSlug(text: string, seen: Map<string, number>): string {
  const base = text.toLowerCase().trim().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
  const count = seen.get(base);
  seen.set(base, (count ?? -1) + 1);
  return count === undefined ? base : `${base}-${count + 1}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const escapeAttribute = escapeHtml;
