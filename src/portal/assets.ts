/**
 * The portal's stylesheet and its one script, kept in code so that the build carries them to dist/ and
 * pages need no CDN. The pages' Content-Security-Policy allows only these same-origin files.
 */

export const PORTAL_CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --border: #d1d9e0; --link: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #161b22; --border: #3d444d; --link: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
header.top { display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; padding: .75rem 1.5rem; border-bottom: 1px solid var(--border); background: var(--panel); }
header.top .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header.top nav a { margin-right: 1rem; }
.layout { display: flex; gap: 2rem; max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
.layout > nav { flex: 0 0 14rem; font-size: .92rem; }
.layout > nav ul { list-style: none; padding: 0; margin: 0 0 1.5rem; }
.layout > nav li { margin: .3rem 0; }
.layout > nav h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 .5rem; }
.layout > nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
main { flex: 1; min-width: 0; }
main.wide { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.6em 0 .6em; }
h1 { margin-top: 0; }
h1 .anchor, h2 .anchor, h3 .anchor, h4 .anchor { float: left; margin-left: -1.1em; width: 1em; text-decoration: none; visibility: hidden; color: var(--muted); }
h1:hover .anchor, h2:hover .anchor, h3:hover .anchor, h4:hover .anchor, .anchor:focus { visibility: visible; }
code { font: .88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel); padding: .1em .3em; border-radius: 4px; }
pre { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: .9rem 1rem; overflow-x: auto; }
pre code { padding: 0; background: none; }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--border); padding: .35rem .7rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
blockquote { margin: 1rem 0; padding: 0 1rem; color: var(--muted); border-left: 4px solid var(--border); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--border); border-radius: 8px; padding: 1rem; background: var(--panel); }
.cards li h3 { margin: 0 0 .4rem; font-size: 1.05rem; }
.cards li p { margin: 0 0 .6rem; color: var(--muted); font-size: .92rem; }
.links a { margin-right: .9rem; font-size: .92rem; }
.lead { font-size: 1.1rem; color: var(--muted); max-width: 48rem; }
@media (max-width: 48rem) { .layout { flex-direction: column; } .layout > nav { flex: none; } }
`;

/**
 * Before the portal, /docs was Swagger UI, whose deep links are fragments (`/docs#/raw/Products_getPaginatedItems`)
 * that never reach the server: this script sends them on to the reference. Loaded from a file, as the CSP
 * forbids inline scripts.
 */
export const PORTAL_JS = `(function () {
  if (location.hash.indexOf('#/') === 0) location.replace('/docs/reference' + location.search + location.hash);
})();
`;
