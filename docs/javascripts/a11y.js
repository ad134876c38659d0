// Keyboard access to regions that scroll sideways (axe-core: scrollable-region-focusable): wide tables,
// which Material wraps in .md-typeset__scrollwrap, wide display math, and notebook code cells. Material
// does the same for its own code blocks. Runs for each page once Material has mounted it (the math is
// typeset at build time, so it is as wide as it will be).
(() => {
  const SCROLLABLE = ".md-typeset__scrollwrap, .md-typeset div.arithmatex, .jupyter-wrapper .highlight-ipynb";
  const focusScrollable = () => {
    for (const region of document.querySelectorAll(SCROLLABLE)) {
      if (region.scrollWidth > region.clientWidth && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
      }
    }
  };
  if (typeof document$ !== "undefined") {
    document$.subscribe(focusScrollable);
  } else {
    focusScrollable();
  }
})();
