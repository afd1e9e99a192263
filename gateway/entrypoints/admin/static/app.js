// A little behaviour without a build step: confirm destructive forms, keep the queue fresh.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
if (document.querySelector("table.queue")) {
  // the queue reloads itself every minute unless the user is typing in a filter
  setInterval(() => {
    if (!document.activeElement || !["INPUT", "SELECT"].includes(document.activeElement.tagName)) location.reload();
  }, 60000);
}
