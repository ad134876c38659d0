// The Library's filter (docs/library/index.md): by title or author, topic, kind and link status. The
// form, the rows and their data-* attributes are rendered at build time by docs/hooks/catalogue.py; this
// script only shows and hides them, and says how many resources match. It needs no other script and no
// network. Without JavaScript the form stays hidden and the whole Library shows.
(() => {
  const setUp = () => {
    const form = document.getElementById("library-filter");
    const count = document.getElementById("library-count");
    if (!form || !count || form.dataset.ready) return;
    form.dataset.ready = "true";
    const total = Number(form.dataset.total);
    const sections = [...document.querySelectorAll(".library-topic")];
    const rows = sections.flatMap((section) =>
      [...section.querySelectorAll("tbody tr")].map((row) => {
        const entry = row.querySelector(".library-entry");
        const cells = row.querySelectorAll("td");
        return {
          row,
          section,
          id: entry.dataset.id,
          kind: entry.dataset.kind,
          status: entry.dataset.status,
          // Title and author, year: what a reader types to find a resource.
          text: `${cells[0].textContent} ${cells[1].textContent}`.toLowerCase(),
        };
      }));

    const apply = () => {
      const text = form.elements.text.value.trim().toLowerCase();
      const topic = form.elements.topic.value;
      const kind = form.elements.kind.value;
      const status = form.elements.status.value;
      const shown = new Set();
      for (const item of rows) {
        const visible = (!topic || item.section.dataset.topic === topic)
          && (!kind || item.kind === kind)
          && (!status || item.status === status)
          && (!text || item.text.includes(text));
        item.row.hidden = !visible;
        if (visible) shown.add(item.id);
      }
      for (const section of sections) {
        section.hidden = !section.querySelector("tbody tr:not([hidden])");
      }
      const filtered = text || topic || kind || status;
      count.textContent = !filtered
        ? `${total} resources.`
        : shown.size === 0
          ? `No resource matches: ${total} in all.`
          : `${shown.size} of ${total} resources match.`;
    };

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    // A reset clears the controls after the event: filter again once they are cleared.
    form.addEventListener("reset", () => setTimeout(apply));
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
    apply();
  };
  if (typeof document$ !== "undefined") {
    document$.subscribe(setUp);
  } else {
    setUp();
  }
})();
