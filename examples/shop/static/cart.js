// Progressive enhancement of the cart page: the forms work without
// JavaScript (they post to the page, which runs the action); with it, they call
// the actions directly and update the page in place.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  const action = form.dataset.action;
  if (!action) return;
  event.preventDefault();
  const status = document.getElementById("cart-status");
  const res = await fetch("/_actions/" + action, { method: "POST", body: new FormData(form) });
  if (res.ok) {
    // Refresh the list of items from the server-rendered page.
    const html = await (await fetch("/cart", { headers: { Accept: "text/html" } })).text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    for (const id of ["cart-items", "cart-status", "cart-count"]) {
      document.getElementById(id).replaceWith(doc.getElementById(id));
    }
  } else {
    const err = await res.json().catch(() => ({}));
    const fields = err.fields || {};
    const first = Object.keys(fields)[0];
    status.textContent = first ? first + ": " + fields[first][0] : (err.message || "Could not update the cart.");
  }
});
