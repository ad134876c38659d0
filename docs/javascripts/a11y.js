// Keyboard access to regions that scroll sideways (axe-core: scrollable-region-focusable): wide tables,
// which Material wraps in .md-typeset__scrollwrap, and notebook code cells. Material does the same for
// its own code blocks. Runs for each page, after Material has mounted it.
(() => {
  const focusScrollable = () => {
    const regions = document.querySelectorAll(".md-typeset__scrollwrap, .jupyter-wrapper .highlight-ipynb");
    for (const region of regions) {
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
