// Filter by actor and search in the pledges of one topic page; works from file:// without a server.
// The state also comes from the address (?aktor=ap&aktor=r&sok=ord), so a filtered view can be shared.
(function () {
  const form = document.getElementById("filters");
  if (!form) return;
  const params = new URLSearchParams(window.location.search);
  const search = document.getElementById("sok");
  const boxes = Array.from(form.querySelectorAll("input[name=aktor]"));
  if (params.has("aktor")) {
    const wanted = params.getAll("aktor");
    boxes.forEach((box) => { box.checked = wanted.includes(box.value); });
  }
  if (params.has("sok")) search.value = params.get("sok");
  function apply() {
    const actors = boxes.filter((box) => box.checked).map((box) => box.value);
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    document.querySelectorAll("section.side").forEach((side) => { side.hidden = !actors.includes(side.dataset.actor); });
    document.querySelectorAll("li.pledge").forEach((item) => {
      const visible = actors.includes(item.dataset.actor) && words.every((w) => item.dataset.text.includes(w));
      item.hidden = !visible;
      if (visible) shown += 1;
    });
    document.getElementById("shown").textContent = shown + " løfter vises";
  }
  form.addEventListener("input", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  apply();
})();
