// MathJax 3 served from this site (assets/mathjax), never from a CDN, and loaded only by pages that
// have math: a page without math does not pay for its 1.1 MB of JavaScript.
// Math is typeset in two places only: arithmatex's spans on the Markdown pages (\( \) and \[ \]), and
// the Markdown cells of notebook pages (jp-MarkdownOutput, where math stays $...$ and $$...$$).
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  // Only these elements are searched for math (not Material's `ignoreHtmlClass: ".*|"` trick: it
  // also ignores every element inside a notebook's Markdown cell, whose math then stays raw).
  startup: {
    elements: [".arithmatex", ".jp-MarkdownOutput"],
    // Typeset as soon as MathJax is ready, before the first paint, not at DOMContentLoaded: its script
    // is at the end of the page, so the math is all there, and the page does not shift after it shows.
    ready: () => {
      MathJax.startup.defaultReady();
      try {
        MathJax.typeset(MathJax.config.startup.elements);
      } catch (error) {
        // A TeX extension must load first: MathJax's own typeset, at DOMContentLoaded, does the rest.
      }
    },
  },
};

(() => {
  // This file is javascripts/mathjax-config.js: MathJax is at ../assets/mathjax/ from here.
  // (tex-chtml.js less its context menu, made by docs/hooks/mathjax.py.)
  const mathjaxUrl = new URL("../assets/mathjax/tex-chtml-nomenu.js", document.currentScript.src).href;
  let loaded = false;

  const hasMath = () =>
    document.querySelector(".arithmatex") !== null ||
    [...document.querySelectorAll(".jp-MarkdownOutput")].some((cell) => /\$|\\\(|\\\[/.test(cell.textContent));

  // Loads MathJax once (if the page has no <script> for it); its startup typesets the page it was loaded on.
  const typesetPage = () => {
    if (!hasMath()) {
      return;
    }
    // docs/hooks/page_fixes.py puts MathJax's <script> right after this one on pages with math (it is
    // not parsed yet while this file runs, so look when the page is ready).
    if (!loaded && document.querySelector('script[src$="assets/mathjax/tex-chtml-nomenu.js"]') !== null) {
      loaded = true;
      return;
    }
    if (!loaded) {
      loaded = true;
      const script = document.createElement("script");
      script.src = mathjaxUrl;
      script.async = true;
      document.head.appendChild(script);
      return;
    }
    // A later page swapped in by Material's instant navigation: typeset it. (Never on the page
    // MathJax's startup typesets: clearing the cache then drops the glyph CSS of the math already
    // typeset and leaves it blank.)
    if (MathJax.startup && MathJax.typesetPromise) {
      MathJax.startup.output.clearCache();
      MathJax.typesetClear();
      MathJax.texReset();
      MathJax.typesetPromise(MathJax.config.startup.elements);
    }
  };

  if (typeof document$ !== "undefined") {
    document$.subscribe(typesetPage);
  } else {
    typesetPage();
  }
})();
