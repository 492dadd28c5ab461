// Filters that work from file:// without a server. The state also comes from the address, so a
// filtered view can be shared: a topic page takes ?aktor=ap&aktor=r&sok=ord, the search page
// ?sok=ord&aktor=a&gruppe=g&tema=skole (actor, group and topic ids).
(function () {
  const params = new URLSearchParams(window.location.search);

  function words(input) {
    return input.value.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function count(n) {
    document.getElementById("shown").textContent = n + (n === 1 ? " løfte vises" : " løfter vises");
  }

  function listen(form, apply) {
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", (event) => event.preventDefault());
    apply();
  }

  // A topic page: the actors' lists side by side, filtered by actor and words.
  const filters = document.getElementById("filters");
  if (filters) {
    const search = document.getElementById("sok");
    const boxes = Array.from(filters.querySelectorAll("input[name=aktor]"));
    if (params.has("aktor")) {
      const wanted = params.getAll("aktor");
      boxes.forEach((box) => { box.checked = wanted.includes(box.value); });
    }
    if (params.has("sok")) search.value = params.get("sok");
    listen(filters, function () {
      const actors = boxes.filter((box) => box.checked).map((box) => box.value);
      const wanted = words(search);
      let shown = 0;
      document.querySelectorAll("section.side").forEach((side) => { side.hidden = !actors.includes(side.dataset.actor); });
      document.querySelectorAll("li.pledge").forEach((item) => {
        const visible = actors.includes(item.dataset.actor) && wanted.every((w) => item.dataset.text.includes(w));
        item.hidden = !visible;
        if (visible) shown += 1;
      });
      count(shown);
    });
  }

  // The search page: every pledge of the dataset, filtered by words, group, actor and topic.
  const form = document.getElementById("search");
  if (form) {
    const search = document.getElementById("sok");
    const selects = Array.from(form.querySelectorAll("select"));
    const actor = document.getElementById("aktor");
    const group = document.getElementById("gruppe");
    if (params.has("sok")) search.value = params.get("sok");
    selects.forEach((select) => {
      const value = params.get(select.name);
      if (value && Array.from(select.options).some((option) => option.value === value)) select.value = value;
    });
    const hits = Array.from(document.querySelectorAll("li.hit"));
    listen(form, function () {
      if (group) {  // an actor of another group than the one chosen is not offered
        Array.from(actor.options).forEach((option) => {
          option.hidden = Boolean(option.value && group.value && option.dataset.group !== group.value);
        });
        if (actor.selectedOptions[0].hidden) actor.value = "";
      }
      const chosen = selects.filter((select) => select.value).map((select) => [select.dataset.key, select.value]);
      const wanted = words(search);
      let shown = 0;
      hits.forEach((hit) => {
        const visible = chosen.every(([key, value]) => hit.dataset[key] === value) && wanted.every((w) => hit.dataset.text.includes(w));
        hit.hidden = !visible;
        if (visible) shown += 1;
      });
      count(shown);
    });
  }
})();
